//! Group commit for single saves (the form and the JSON API).
//!
//! A durable commit costs one fsync, and SQLite has one writer: saving each report in its own
//! transaction caps the service at the disk's fsync rate. Saves that arrive while a commit is
//! under way queue here; one task takes everything queued (up to [`MAX_BATCH`]), validates and
//! stores it with [`super::save_all`] in one transaction, and answers each caller only after
//! that transaction has committed. So every answered save is durable, and a burst of case
//! systems shares one fsync instead of queueing for one each.
//!
//! A batch whose transaction fails (not a refused report: those are answers) is saved again one
//! job at a time, so that one job's failure never becomes another's.

use std::sync::Arc;

use kompotten_app::model::SaveOutcome;
use tokio::sync::{mpsc, oneshot};

use super::{save_all, SaveJob};
use crate::catalogue::IndexedCatalogue;
use crate::db::{DbError, Pool};

/// The most saves committed together; bounds a transaction's size and statements' parameters
/// (256 × 9 columns stays far below SQLite's and PostgreSQL's limits).
pub const MAX_BATCH: usize = 256;

/// Saves that wait for the writer beyond this many make their callers wait to enqueue.
const QUEUE: usize = 4 * MAX_BATCH;

type Reply = oneshot::Sender<Result<SaveOutcome, DbError>>;

/// A handle to the writer task; cheap to clone.
#[derive(Clone)]
pub struct SubmissionWriter {
    queue: mpsc::Sender<(SaveJob, Reply)>,
}

impl SubmissionWriter {
    /// Starts the writer task on the current Tokio runtime.
    pub fn start(pool: Pool, catalogue: Arc<IndexedCatalogue>) -> Self {
        let (queue, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(run(pool, catalogue, receiver));
        Self { queue }
    }

    /// Validates and stores one save; answers after its transaction has committed.
    pub async fn save(&self, job: SaveJob) -> Result<SaveOutcome, DbError> {
        let (reply, answer) = oneshot::channel();
        let stopped = || DbError::Instance("the submission writer has stopped".into());
        self.queue.send((job, reply)).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

async fn run(pool: Pool, catalogue: Arc<IndexedCatalogue>, mut receiver: mpsc::Receiver<(SaveJob, Reply)>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (jobs, replies): (Vec<SaveJob>, Vec<Reply>) = batch.drain(..).unzip();
        match save_all(&pool, &catalogue, &jobs).await {
            Ok(outcomes) => {
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    // A caller that went away no longer needs its answer; its save stands.
                    let _ = reply.send(Ok(outcome));
                }
            }
            Err(error) if jobs.len() > 1 => {
                tracing::warn!(%error, jobs = jobs.len(), "a batch of saves failed; saving each alone");
                for (job, reply) in jobs.into_iter().zip(replies) {
                    let outcome = save_all(&pool, &catalogue, std::slice::from_ref(&job)).await.map(|mut o| o.pop().expect("one outcome per job"));
                    let _ = reply.send(outcome);
                }
            }
            Err(error) => {
                let _ = replies.into_iter().next().expect("one reply per job").send(Err(error));
            }
        }
    }
}
