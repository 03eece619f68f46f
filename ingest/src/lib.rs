//! Reading what Swedish users' spreadsheets produce.
//!
//! Kompotten's statistics service accepts files that municipal staff export from
//! Excel with a Swedish locale. Those files have habits a generic CSV reader does
//! not expect: `;` as the separator (because `,` is the decimal mark), a UTF-8 BOM
//! or no UTF-8 at all (Windows-1252 from plain "CSV", UTF-16 from "Unicode text"),
//! trailing `;;;;` lines, amounts printed as `1 836 000,50 kr` with non-breaking
//! spaces, and municipalities named the way national reports print them
//! ("Askersunds kommun", "Malmö stad", "Region Gotland").
//!
//! Why a crate of our own rather than a dependency: the `csv` crate does the actual
//! CSV parsing; what lives here are only the Swedish- and Kompotten-specific rules
//! on top of it, each of which needs a precise, user-facing error (with the line
//! number as Excel shows it) rather than a generic parse failure.
//!
//! * [`table`]: bytes → [`Table`] (encoding, separator, header and row shape).
//! * [`money`]: a printed kronor amount → öre.
//! * [`names`]: an SCB code or a printed municipality name → SCB code.
//! * [`grants`]: the layout of Bilaga 1 in the national grant report.
//!
//! Nothing here panics on any input, does I/O, or allocates without bound: callers
//! pass a byte limit to [`read_table`].

pub mod grants;
pub mod money;
pub mod names;
pub mod table;

pub use grants::*;
pub use money::*;
pub use names::*;
pub use table::*;
