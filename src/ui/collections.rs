//! The collections page: the user's calendars, task lists and address books (own,
//! shared with them, public) with name, colour, size, sharing state and the URL a client
//! needs; and the changes an owner makes to them: create, rename, recolour, delete. A
//! folder id the user may not see is answered as one that does not exist.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::Form;
use http::HeaderMap;
use serde::Deserialize;

use super::page::{html, origin, see_other, to_login, Chrome};
use super::session::{self, UiLogin};
use super::{csrf, UiError};
use crate::access::{DavUser, FolderRights, Sharing};
use crate::caldav::home::calendars;
use crate::carddav::home::contact_folders;
use crate::carddav::{AddressBook, ContactFolder};
use crate::config::props;
use crate::http::AppState;
use crate::store::{
    Folder, FolderId, FolderModule, FolderType, FolderUpdate, NewFolder, Permission, Role,
    GLOBAL_ADDRESS_BOOK, PRIVATE_ROOT,
};

/// Longest collection name the page takes, in characters.
const MAX_NAME_CHARS: usize = 200;

/// One collection as the page lists it.
pub struct Row {
    pub id: FolderId,
    pub kind: &'static str,
    pub name: String,
    pub color: Option<String>,
    pub size: i64,
    /// "yours", "shared with you", "public".
    pub ownership: &'static str,
    pub shared_with: Vec<Sharee>,
    pub url: String,
    pub administer: bool,
    pub deletable: bool,
    /// Whether the user may add items (import).
    pub writable: bool,
}

/// A user (or group) a collection is shared with.
pub struct Sharee {
    pub entity: i64,
    /// A group (or all users): shown, not unshared here.
    pub is_group: bool,
    pub name: String,
    pub role: &'static str,
}

#[derive(Template)]
#[template(path = "collections.html")]
struct CollectionsPage {
    chrome: Chrome,
    note: Option<&'static str>,
    rows: Vec<Row>,
    sharing: bool,
    import: bool,
    max_name: usize,
}

#[derive(Deserialize)]
pub struct Note {
    note: Option<String>,
}

/// The fixed messages a redirect after a change may ask the page to show.
fn note_text(code: &str) -> Option<&'static str> {
    Some(match code {
        "created" => "The collection was created.",
        "updated" => "The collection was changed.",
        "deleted" => "The collection was deleted.",
        "shared" => "The collection is shared.",
        "unshared" => "The collection is no longer shared with that user.",
        _ => return None,
    })
}

/// The request's session, or None after which the caller sends the browser to log in.
pub async fn logged_in(state: &AppState, headers: &HeaderMap) -> Result<Option<UiLogin>, UiError> {
    session::current(state, headers).await
}

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(note): Query<Note>,
) -> Response {
    let login = match logged_in(&state, &headers).await {
        Ok(Some(login)) => login,
        Ok(None) => return to_login(&state),
        Err(err) => return err.page(&state),
    };
    match rows(&state, &login.me, &origin(&headers)).await {
        Ok(rows) => html(&CollectionsPage {
            chrome: Chrome::new(&state, &login, "Collections", "collections"),
            note: note.note.as_deref().and_then(note_text),
            rows,
            sharing: login.me.config.get::<props::UiSharing>(),
            import: login.me.config.get::<props::UiImport>(),
            max_name: MAX_NAME_CHARS,
        }),
        Err(err) => err.page(&state),
    }
}

/// Every collection of the user, calendars first: three queries for the folders (with
/// their owners' names) and one each for the member counts and the sharees' names.
pub async fn rows(state: &AppState, me: &DavUser, origin: &str) -> Result<Vec<Row>, UiError> {
    let calendars = calendars(&state.store, me).await?;
    let books = contact_folders(&state.store, me).await?;
    let ids: Vec<FolderId> = calendars
        .iter()
        .map(|c| c.folder.id)
        .chain(books.iter().map(|b| b.folder.id))
        .collect();
    let counts = state.store.member_counts(me.user.context_id, &ids).await?;
    let sharee_ids: Vec<i64> = calendars
        .iter()
        .map(|c| &c.folder)
        .chain(books.iter().map(|b| &b.folder))
        .filter(|f| f.owner_id == Some(me.user.id))
        .flat_map(|f| f.permissions.iter())
        .filter(|p| !p.is_group && p.entity != me.user.id)
        .map(|p| p.entity)
        .collect();
    let names = state
        .store
        .display_names(me.user.context_id, &sharee_ids)
        .await?;
    let template = me.config.get::<props::CaldavUrl>();
    // The shipped default names no davgate path; only a configured template is used.
    let default_template =
        crate::config::lookup(<props::CaldavUrl as crate::config::Property>::NAME)
            .map_or("", |def| def.default);
    let mut rows = Vec::new();
    for calendar in &calendars {
        let url = if template != default_template {
            let host = origin.split_once("://").map_or(origin, |(_, h)| h);
            template
                .replace("[hostname]", host)
                .replace("[folderId]", &calendar.folder.id.to_string())
        } else {
            format!("{origin}{}", state.paths.external(&calendar.sub_path()))
        };
        let kind = match calendar.folder.module {
            FolderModule::Tasks => "Task list",
            _ => "Calendar",
        };
        rows.push(row(
            me,
            &calendar.folder,
            kind,
            &calendar.display_name,
            calendar.rights,
            calendar.sharing,
            url,
            &counts,
            &names,
        ));
    }
    for book in &books {
        let url = format!(
            "{origin}{}",
            state
                .paths
                .external(&AddressBook::Folder(book.clone()).sub_path())
        );
        rows.push(book_row(me, book, url, &counts, &names));
    }
    Ok(rows)
}

fn book_row(
    me: &DavUser,
    book: &ContactFolder,
    url: String,
    counts: &HashMap<FolderId, i64>,
    names: &HashMap<i64, String>,
) -> Row {
    row(
        me,
        &book.folder,
        "Address book",
        &book.display_name,
        book.rights,
        book.sharing,
        url,
        counts,
        names,
    )
}

#[allow(clippy::too_many_arguments)]
fn row(
    me: &DavUser,
    folder: &Folder,
    kind: &'static str,
    display_name: &str,
    rights: FolderRights,
    sharing: Sharing,
    url: String,
    counts: &HashMap<FolderId, i64>,
    names: &HashMap<i64, String>,
) -> Row {
    let owned = folder.owner_id == Some(me.user.id);
    let shared_with = if owned {
        folder
            .permissions
            .iter()
            .filter(|p| p.is_group || p.entity != me.user.id)
            .map(|p| Sharee {
                entity: p.entity,
                is_group: p.is_group,
                name: match (p.is_group, p.entity) {
                    (true, 0) => "all users".into(),
                    (true, id) => format!("group {id}"),
                    (false, id) => names
                        .get(&id)
                        .cloned()
                        .unwrap_or_else(|| format!("user {id}")),
                },
                role: role_name(p),
            })
            .collect()
    } else {
        Vec::new()
    };
    Row {
        id: folder.id,
        kind,
        name: display_name.to_owned(),
        color: folder.color.as_deref().and_then(css_color),
        size: counts.get(&folder.id).copied().unwrap_or(0),
        ownership: match sharing {
            Sharing::SharedWithMe => "shared with you",
            _ if folder.folder_type == FolderType::Public => "public",
            _ => "yours",
        },
        shared_with,
        url,
        administer: rights.can_administer(),
        writable: rights.can_create(),
        deletable: rights.can_administer()
            && owned
            && !folder.is_default
            && folder.id != GLOBAL_ADDRESS_BOOK,
    }
}

/// The name of the role a permission grants.
fn role_name(p: &Permission) -> &'static str {
    let same = |role| {
        let r = Permission::for_role(p.entity, p.is_group, role);
        (r.folder, r.read, r.write, r.delete, r.admin)
            == (p.folder, p.read, p.write, p.delete, p.admin)
    };
    if same(Role::Viewer) {
        "viewer"
    } else if same(Role::Author) {
        "author"
    } else if same(Role::Reviewer) {
        "reviewer"
    } else if same(Role::Administrator) {
        "administrator"
    } else {
        "custom"
    }
}

/// `#rrggbb` of a stored colour (`#rrggbb` or `#rrggbbaa`), if it is one.
pub fn css_color(stored: &str) -> Option<String> {
    let hex = stored.strip_prefix('#')?;
    ((hex.len() == 6 || hex.len() == 8) && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| format!("#{}", &hex[..6]).to_ascii_lowercase())
}

/// A name the page stores: trimmed, 1 to 200 characters, no control characters.
fn checked_name(name: &str) -> Result<String, UiError> {
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(UiError::BadRequest(format!(
            "a name of 1 to {MAX_NAME_CHARS} characters without control characters is required"
        )));
    }
    Ok(name.to_owned())
}

/// A colour the page stores: `#rrggbb`, or nothing.
fn checked_color(color: &str) -> Result<Option<String>, UiError> {
    let color = color.trim();
    if color.is_empty() {
        return Ok(None);
    }
    css_color(color)
        .filter(|_| color.len() == 7)
        .map(Some)
        .ok_or_else(|| UiError::BadRequest("a colour is written #rrggbb".into()))
}

#[derive(Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    color: String,
}

/// The session of a change: valid, with the right CSRF token.
pub async fn changing(
    state: &AppState,
    headers: &HeaderMap,
    token: &str,
) -> Result<Option<UiLogin>, UiError> {
    let Some(login) = logged_in(state, headers).await? else {
        return Ok(None);
    };
    csrf::check(headers, Some(token), &login.session.csrf_token)?;
    Ok(Some(login))
}

/// Runs `change` for a logged-in user whose form carries the right token, then sends
/// the browser back to the collections with `note`.
macro_rules! change {
    ($state:expr, $headers:expr, $token:expr, |$login:ident| $body:expr) => {{
        match changing(&$state, &$headers, $token).await {
            Ok(Some($login)) => match {
                let done: Result<&'static str, UiError> = $body.await;
                done
            } {
                Ok(note) => see_other(&$state, &format!("/?note={note}")),
                Err(err) => err.page(&$state),
            },
            Ok(None) => to_login(&$state),
            Err(err) => err.page(&$state),
        }
    }};
}
pub(super) use change;

pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<CreateForm>,
) -> Response {
    change!(state, headers, &form.csrf, |login| create_folder(
        &state, &login.me, &form
    ))
}

async fn create_folder(
    state: &AppState,
    me: &DavUser,
    form: &CreateForm,
) -> Result<&'static str, UiError> {
    let (module, max) = match form.kind.as_str() {
        "calendar" => (
            FolderModule::Calendar,
            state.limits.collections.max_calendars_per_user,
        ),
        "tasks" => (
            FolderModule::Tasks,
            state.limits.collections.max_calendars_per_user,
        ),
        "addressbook" => {
            if !me.config.get::<props::AddressBookCreation>() {
                return Err(UiError::Forbidden(
                    "address books cannot be created on this server".into(),
                ));
            }
            (
                FolderModule::Contacts,
                state.limits.collections.max_address_books_per_user,
            )
        }
        _ => {
            return Err(UiError::BadRequest(
                "choose a calendar, a task list or an address book".into(),
            ))
        }
    };
    let name = checked_name(&form.name)?;
    let color = checked_color(&form.color)?;
    let calendar_like = |m: FolderModule| matches!(m, FolderModule::Calendar | FolderModule::Tasks);
    let owned = state
        .store
        .visible_folders(me.user.context_id, me.user.id)
        .await?
        .into_iter()
        .filter(|f| f.owner_id == Some(me.user.id))
        .filter(|f| {
            if module == FolderModule::Contacts {
                f.module == module
            } else {
                calendar_like(f.module)
            }
        })
        .count();
    if owned >= max {
        return Err(UiError::Conflict(format!(
            "you may own at most {max} collections of this kind; delete one first"
        )));
    }
    state
        .store
        .create_folder(
            me.user.context_id,
            NewFolder {
                parent_id: PRIVATE_ROOT,
                module,
                folder_type: FolderType::Private,
                owner_id: Some(me.user.id),
                name,
                color,
                description: None,
                sort_order: None,
                dav_name: None,
                permissions: vec![Permission::for_role(me.user.id, false, Role::Administrator)],
            },
        )
        .await?;
    Ok("created")
}

/// The collection `id` if the user sees it on the page and may administer it; a
/// folder they may not see is not there (404), one they see but may not change is 403.
pub async fn administered(state: &AppState, me: &DavUser, id: &str) -> Result<Folder, UiError> {
    let id: FolderId = crate::caldav::collection::folder_id_of(id).ok_or(UiError::NotFound)?;
    let folder = state
        .store
        .visible_folder(me.user.context_id, me.user.id, id)
        .await?
        .filter(|f| {
            matches!(
                f.module,
                FolderModule::Calendar | FolderModule::Tasks | FolderModule::Contacts
            )
        })
        .ok_or(UiError::NotFound)?;
    if !FolderRights::of(&folder, me.user.id, &me.groups).can_administer() {
        return Err(UiError::Forbidden(
            "only the collection's owner may change it".into(),
        ));
    }
    Ok(folder)
}

#[derive(Deserialize)]
pub struct UpdateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    color: String,
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<UpdateForm>,
) -> Response {
    change!(state, headers, &form.csrf, |login| async {
        let folder = administered(&state, &login.me, &id).await?;
        let update = FolderUpdate {
            name: Some(checked_name(&form.name)?),
            color: Some(checked_color(&form.color)?),
            ..FolderUpdate::default()
        };
        state
            .store
            .update_folder(login.me.user.context_id, folder.id, update)
            .await?;
        Ok("updated")
    })
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<CsrfOnly>,
) -> Response {
    change!(state, headers, &form.csrf, |login| async {
        let folder = administered(&state, &login.me, &id).await?;
        if folder.owner_id != Some(login.me.user.id)
            || folder.is_default
            || folder.id == GLOBAL_ADDRESS_BOOK
        {
            return Err(UiError::Forbidden(
                "default collections and collections of others cannot be deleted here".into(),
            ));
        }
        state
            .store
            .delete_folder(login.me.user.context_id, folder.id)
            .await?;
        Ok("deleted")
    })
}
