//! CSV downloads as Swedish Excel opens them without questions: UTF-8 with a BOM and
//! semicolons, quoted by the csv crate where a value needs it.

/// The records as a CSV text. Writing into memory cannot fail, so neither can this.
pub fn to_csv<I, R>(header: &[&str], rows: I) -> String
where
    I: IntoIterator<Item = R>,
    R: IntoIterator,
    R::Item: AsRef<[u8]>,
{
    let mut writer = csv::WriterBuilder::new().delimiter(b';').from_writer(Vec::new());
    let written = writer.write_record(header).and_then(|()| rows.into_iter().try_for_each(|row| writer.write_record(row)));
    written.expect("writing CSV into memory cannot fail");
    let bytes = writer.into_inner().expect("writing CSV into memory cannot fail");
    format!("\u{feff}{}", String::from_utf8(bytes).expect("the CSV writer writes the UTF-8 it is given"))
}
