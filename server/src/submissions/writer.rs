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
//!
//! API saves hand over their bearer token unchecked; the writer looks up every token of a batch
//! in one query and refuses unknown tokens and other municipalities before validating. Each
//! database statement is a round trip to the database's thread, and the throughput of case
//! systems is bounded by those, not by the fsync.

use std::collections::HashMap;
use std::sync::Arc;

use kompotten_app::model::SaveOutcome;
use tokio::sync::{mpsc, oneshot};

use super::{save_all, SaveJob, SaveRequest};
use crate::access::Actor;
use crate::catalogue::IndexedCatalogue;
use crate::db::{DbError, Pool};
use crate::tokens;

/// The most saves committed together; bounds a transaction's size and statements' parameters
/// (256 × 9 columns stays far below SQLite's and PostgreSQL's limits).
pub const MAX_BATCH: usize = 256;

/// Saves that wait for the writer beyond this many make their callers wait to enqueue.
const QUEUE: usize = 4 * MAX_BATCH;

/// Who asks for a save.
enum Caller {
    /// Already authenticated (a signed-in user).
    Known(Actor),
    /// A case system's bearer token, checked together with the rest of its batch: one token
    /// lookup per batch instead of one per request.
    Bearer(String),
}

/// A token save the writer refused before validating it.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The token is unknown, revoked or malformed.
    Unauthenticated,
    /// The token belongs to another municipality.
    Forbidden,
}

type Answer = Result<Result<SaveOutcome, Refusal>, DbError>;
type Queued = (Caller, SaveRequest, oneshot::Sender<Answer>);

/// A handle to the writer task; cheap to clone.
#[derive(Clone)]
pub struct SubmissionWriter {
    queue: mpsc::Sender<Queued>,
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
        let answer = self.enqueue(Caller::Known(job.actor), job.request).await?;
        Ok(answer.expect("a known actor is never refused by the writer"))
    }

    /// [`Self::save`] for a bearer token that has not been checked yet.
    pub async fn save_with_token(&self, token: &str, request: SaveRequest) -> Answer {
        self.enqueue(Caller::Bearer(token.to_owned()), request).await
    }

    async fn enqueue(&self, caller: Caller, request: SaveRequest) -> Answer {
        let (reply, answer) = oneshot::channel();
        let stopped = || DbError::Instance("the submission writer has stopped".into());
        self.queue.send((caller, request, reply)).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// The actors behind a batch's tokens; on failure every token save gets the error.
async fn token_actors(pool: &Pool, batch: &[Queued]) -> Result<HashMap<String, Actor>, String> {
    let tokens: Vec<&str> = batch.iter().filter_map(|(caller, ..)| if let Caller::Bearer(t) = caller { Some(t.as_str()) } else { None }).collect();
    if tokens.is_empty() {
        return Ok(HashMap::new());
    }
    tokens::authenticate_all(pool, &tokens).await.map_err(|e| e.to_string())
}

async fn run(pool: Pool, catalogue: Arc<IndexedCatalogue>, mut receiver: mpsc::Receiver<Queued>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let actors = token_actors(&pool, &batch).await;
        let mut jobs = Vec::with_capacity(batch.len());
        let mut replies = Vec::with_capacity(batch.len());
        for (caller, request, reply) in batch.drain(..) {
            let actor = match (caller, &actors) {
                (Caller::Known(actor), _) => actor,
                (Caller::Bearer(_), Err(error)) => {
                    let _ = reply.send(Err(DbError::Instance(format!("checking API tokens failed: {error}"))));
                    continue;
                }
                (Caller::Bearer(token), Ok(actors)) => match actors.get(&token) {
                    None => {
                        let _ = reply.send(Ok(Err(Refusal::Unauthenticated)));
                        continue;
                    }
                    Some(actor) if !actor.may_write(request.municipality.trim()) => {
                        let _ = reply.send(Ok(Err(Refusal::Forbidden)));
                        continue;
                    }
                    Some(actor) => actor.clone(),
                },
            };
            jobs.push(SaveJob { actor, request });
            replies.push(reply);
        }
        if jobs.is_empty() {
            continue;
        }
        match save_all(&pool, &catalogue, &jobs).await {
            Ok(outcomes) => {
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    // A caller that went away no longer needs its answer; its save stands.
                    let _ = reply.send(Ok(Ok(outcome)));
                }
            }
            Err(error) if jobs.len() > 1 => {
                tracing::warn!(%error, jobs = jobs.len(), "a batch of saves failed; saving each alone");
                for (job, reply) in jobs.into_iter().zip(replies) {
                    let outcome = save_all(&pool, &catalogue, std::slice::from_ref(&job)).await.map(|mut o| Ok(o.pop().expect("one outcome per job")));
                    let _ = reply.send(outcome);
                }
            }
            Err(error) => {
                let _ = replies.into_iter().next().expect("one reply per job").send(Err(error));
            }
        }
    }
}
