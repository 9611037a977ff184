//! What the login cache keeps, in the serialized form it has in Redis: a resolved user,
//! and the rest of what a request needs about them (context, configuration attributes,
//! groups). Each shared entry carries the cache generation it was loaded under.

use serde::{Deserialize, Serialize};

use crate::config::CascadeSubject;
use crate::store::{Attribute, User};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserRecord {
    context_id: i64,
    id: i64,
    login: String,
    mail: String,
    aliases: Vec<String>,
    display_name: String,
    password_hash: String,
    enabled: bool,
    permissions: Vec<String>,
}

impl From<&User> for UserRecord {
    fn from(u: &User) -> Self {
        UserRecord {
            context_id: u.context_id,
            id: u.id,
            login: u.login.clone(),
            mail: u.mail.clone(),
            aliases: u.aliases.clone(),
            display_name: u.display_name.clone(),
            password_hash: u.password_hash.clone(),
            enabled: u.enabled,
            permissions: u.permissions.clone(),
        }
    }
}

impl From<UserRecord> for User {
    fn from(r: UserRecord) -> Self {
        User {
            context_id: r.context_id,
            id: r.id,
            login: r.login,
            mail: r.mail,
            aliases: r.aliases,
            display_name: r.display_name,
            password_hash: r.password_hash,
            enabled: r.enabled,
            permissions: r.permissions,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AttributeRecord {
    name: String,
    value: String,
    is_final: bool,
}

fn records(attributes: Vec<Attribute>) -> Vec<AttributeRecord> {
    attributes
        .into_iter()
        .map(|a| AttributeRecord {
            name: a.name,
            value: a.value,
            is_final: a.is_final,
        })
        .collect()
}

fn attributes(records: &[AttributeRecord]) -> Vec<Attribute> {
    records
        .iter()
        .map(|r| Attribute {
            name: r.name.clone(),
            value: r.value.clone(),
            is_final: r.is_final,
        })
        .collect()
}

/// What a request loads about its user besides the user: the context, the context's
/// and the user's attributes, and the groups the user is in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Profile {
    context_id: i64,
    context_name: String,
    context_attributes: Vec<AttributeRecord>,
    user_attributes: Vec<AttributeRecord>,
    groups: Vec<i64>,
}

impl Profile {
    pub fn new(
        context_id: i64,
        context_name: String,
        context_attributes: Vec<Attribute>,
        user_attributes: Vec<Attribute>,
        groups: Vec<i64>,
    ) -> Self {
        Profile {
            context_id,
            context_name,
            context_attributes: records(context_attributes),
            user_attributes: records(user_attributes),
            groups,
        }
    }

    pub fn groups(&self) -> Vec<i64> {
        self.groups.clone()
    }

    /// The cascade's subject for `user` (whose module permissions it takes).
    pub fn subject(&self, user: &User) -> CascadeSubject {
        CascadeSubject {
            context_id: self.context_id,
            context_name: self.context_name.clone(),
            // The cascade reads `taxonomy/types` from the context attributes themselves.
            taxonomy_types: String::new(),
            permissions: user.permissions.clone(),
            context_attributes: attributes(&self.context_attributes),
            user_attributes: attributes(&self.user_attributes),
        }
    }
}

/// A value in Redis with the generation it was loaded under: valid while the
/// generation counter still has that value.
#[derive(Debug, Serialize, Deserialize)]
pub struct Generational<T> {
    pub generation: i64,
    pub value: T,
}
