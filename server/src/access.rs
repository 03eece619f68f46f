//! Who is acting: a signed-in user or a municipality's API token. Every write and every read
//! of raw counts asks this module whose municipality the actor may touch.

use kompotten_app::domain::Role;
use kompotten_app::model::{Area, CurrentUser};

#[derive(Clone, Debug)]
pub enum Actor {
    User(CurrentUser),
    /// A case system holding a token the coordinator issued for one municipality.
    Token {
        id: String,
        municipality: Area,
    },
}

impl Actor {
    /// As written into versions and the audit log.
    pub fn name(&self) -> String {
        match self {
            Actor::User(user) => user.username.clone(),
            Actor::Token { id, .. } => format!("api-token:{id}"),
        }
    }

    /// The one municipality whose raw counts this actor may read and write.
    pub fn own_municipality(&self) -> Option<&str> {
        match self {
            Actor::User(user) if user.role == Role::Reporter => user.municipality.as_ref().map(|m| m.code.as_str()),
            Actor::User(_) => None,
            Actor::Token { municipality, .. } => Some(&municipality.code),
        }
    }

    pub fn is_coordinator(&self) -> bool {
        matches!(self, Actor::User(user) if user.role == Role::Coordinator)
    }

    /// Writing a municipality's report: its own users and tokens, and the coordinator (who
    /// imports spreadsheets on municipalities' behalf but can never read them back).
    pub fn may_write(&self, municipality_code: &str) -> bool {
        self.is_coordinator() || self.own_municipality() == Some(municipality_code)
    }
}
