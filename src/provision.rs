//! Provisioning as an OX administrator does it: contexts with login mappings and tags,
//! users with their default folders and their entry in the global address list.

use crate::auth::hash_password;
use crate::store::*;

/// The attribute holding a context's tags, read by the contextSets `withTags` match.
pub const TAGS_ATTRIBUTE: &str = "taxonomy/types";

/// The modules a user gets when none are named: the full groupware set.
pub const DEFAULT_MODULES: &[&str] = &[
    "calendar",
    "contacts",
    "tasks",
    "infostore",
    "caldav",
    "carddav",
    "webdav",
];

#[derive(Debug, Clone)]
pub struct UserSpec {
    pub login: String,
    pub mail: String,
    pub aliases: Vec<String>,
    pub display_name: String,
    pub password: String,
    pub modules: Vec<String>,
}

pub async fn create_context(
    store: &DynStore,
    id: Option<ContextId>,
    name: &str,
    login_mappings: &[String],
    tags: &[String],
) -> StoreResult<Context> {
    let mut mappings: Vec<String> = login_mappings.iter().map(|m| m.to_lowercase()).collect();
    if mappings.is_empty() {
        mappings.push(name.to_lowercase());
    }
    let context = store
        .create_context(NewContext {
            id,
            name: name.to_string(),
            login_mappings: mappings,
        })
        .await?;
    if !tags.is_empty() {
        set_context_tags(store, context.id, tags).await?;
    }
    Ok(context)
}

pub async fn set_context_tags(
    store: &DynStore,
    context: ContextId,
    tags: &[String],
) -> StoreResult<()> {
    let value = tags
        .iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(",");
    let attribute = Attribute {
        name: TAGS_ATTRIBUTE.to_string(),
        value,
        is_final: false,
    };
    store.set_attribute(context, None, &attribute).await
}

pub async fn create_user(
    store: &DynStore,
    context: ContextId,
    spec: UserSpec,
) -> StoreResult<User> {
    if spec.login.trim().is_empty() || spec.login.contains(char::is_whitespace) {
        return Err(StoreError::Invalid(format!(
            "login {:?} must be non-empty without spaces",
            spec.login
        )));
    }
    if !spec.mail.contains('@') {
        return Err(StoreError::Invalid(format!(
            "mail {:?} is not an address",
            spec.mail
        )));
    }
    let modules = if spec.modules.is_empty() {
        DEFAULT_MODULES.iter().map(|m| m.to_string()).collect()
    } else {
        spec.modules.clone()
    };
    let password = spec.password.clone();
    let password_hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| StoreError::Invalid(format!("hashing the password failed: {e}")))?;
    let entry = address_book_entry(&spec.display_name, &spec.mail);
    store
        .create_user(
            context,
            NewUser {
                login: spec.login,
                mail: spec.mail,
                aliases: spec.aliases,
                display_name: spec.display_name,
                password_hash,
                permissions: modules,
                default_folders: vec![
                    DefaultFolder {
                        module: FolderModule::Calendar,
                        name: "Calendar".into(),
                    },
                    DefaultFolder {
                        module: FolderModule::Tasks,
                        name: "Tasks".into(),
                    },
                    DefaultFolder {
                        module: FolderModule::Contacts,
                        name: "Contacts".into(),
                    },
                ],
                address_book_entry: Some(entry),
            },
        )
        .await
}

/// The vCard that represents a user in the global address list.
pub(crate) fn address_book_entry(display_name: &str, mail: &str) -> WriteObject {
    let uid = random_uid();
    let (given, family) = match display_name.rsplit_once(' ') {
        Some((given, family)) => (given, family),
        None => (display_name, ""),
    };
    let card = format!(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{}\r\nN:{};{};;;\r\nEMAIL;TYPE=INTERNET:{}\r\nEND:VCARD\r\n",
        vcard_text(display_name),
        vcard_text(family),
        vcard_text(given),
        vcard_text(mail),
    );
    WriteObject {
        resource_name: format!("{uid}.vcf"),
        uid,
        component: "VCARD".into(),
        data: card.into_bytes(),
        start_at: None,
        end_at: None,
        display_name: Some(display_name.to_string()),
        user_id: None,
    }
}

/// Escapes a vCard text value (RFC 6350 3.4).
fn vcard_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            other => out.push(other),
        }
    }
    out
}

pub fn random_uid() -> String {
    use rand::Rng;
    let bytes: [u8; 16] = rand::thread_rng().gen();
    let h = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_book_entry_escapes_text() {
        let entry = address_book_entry("Doe, Jane; Jr", "jane@example.com");
        let text = String::from_utf8(entry.data).unwrap();
        assert!(text.contains("FN:Doe\\, Jane\\; Jr\r\n"), "{text}");
        assert!(text.contains("EMAIL;TYPE=INTERNET:jane@example.com\r\n"));
        assert_eq!(entry.resource_name, format!("{}.vcf", entry.uid));
        assert_eq!(entry.component, "VCARD");
    }
}
