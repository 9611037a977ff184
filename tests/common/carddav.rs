//! CardDAV test helpers: vCards, address book paths, requests as a given user, and the
//! member hrefs of an address book.

use davgate::store::{DynStore, Folder, FolderId, FolderModule, User};

use super::http::*;

pub const DAVX5: &str = "DAVx5/4.4.2-ose (2024/06/07; dav4jvm; okhttp/4.12.0) Android/14";
pub const MAC_CONTACTS: &str = "macOS/14.5 (23F79) AddressBookCore/2652.1";

pub async fn contacts_folder(store: &DynStore, user: &User) -> Folder {
    store
        .default_folder(user.context_id, user.id, FolderModule::Contacts)
        .await
        .unwrap()
        .expect("default contacts folder")
}

pub fn book_path(folder: FolderId) -> String {
    format!("/dav/carddav/{folder}/")
}

pub const AGGREGATED: &str = "/dav/carddav/Contacts/";

/// A vCard 3.0 with a work and a home address.
pub fn vcard(uid: &str, name: &str, mail: &str) -> String {
    let (given, family) = name.rsplit_once(' ').unwrap_or((name, ""));
    format!(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//davgate tests//EN\r\nUID:{uid}\r\nFN:{name}\r\n\
         N:{family};{given};;;\r\nEMAIL;TYPE=INTERNET,WORK:{mail}\r\nTEL;TYPE=CELL:+49 170 1234567\r\n\
         END:VCARD\r\n"
    )
}

/// A request as `login` (alice or bob), without a User-Agent (add one to act as a
/// particular client).
pub fn call<'a>(method: &'a str, path: &'a str, login: &'a str) -> Call<'a> {
    let password = if login == "alice" {
        ALICE_PASSWORD
    } else {
        BOB_PASSWORD
    };
    Call::new(method, path).auth(login, password)
}

pub async fn put_vcard(site: &Site, login: &str, path: &str, body: &str) -> Answer {
    send(
        &site.app,
        call("PUT", path, login)
            .header("content-type", "text/vcard; charset=utf-8")
            .body(body.as_bytes().to_vec()),
    )
    .await
}

pub const MEMBER_PROPS: &str = r#"<?xml version="1.0"?>
<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:getcontenttype/></d:prop></d:propfind>"#;

/// The member hrefs a Depth 1 PROPFIND of `book` lists, in order, without the book's own.
pub async fn member_hrefs(site: &Site, login: &str, book: &str) -> Vec<String> {
    let answer = send(
        &site.app,
        call("PROPFIND", book, login).depth("1").body(MEMBER_PROPS),
    )
    .await;
    assert_eq!(answer.status.as_u16(), 207, "PROPFIND {book}");
    answer
        .multistatus()
        .into_iter()
        .map(|r| r.href)
        .filter(|href| href != book)
        .collect()
}

/// The folders behind the aggregated collection's member hrefs: the folder prefix of
/// `<folder>~<name>`, or `default` for names without one.
pub fn folders_of(hrefs: &[String], default: FolderId) -> Vec<FolderId> {
    let mut folders: Vec<FolderId> = hrefs
        .iter()
        .map(|href| {
            let name = href.rsplit('/').next().unwrap();
            match name.split_once('~') {
                Some((id, _)) if id.bytes().all(|b| b.is_ascii_digit()) => id.parse().unwrap(),
                _ => default,
            }
        })
        .collect();
    folders.sort_unstable();
    folders.dedup();
    folders
}

/// A contact folder: `owner`'s private one, or a public one when `owner` is None.
pub async fn new_contact_folder(
    store: &DynStore,
    context: davgate::store::ContextId,
    owner: Option<davgate::store::UserId>,
    name: &str,
    description: Option<&str>,
    permissions: Vec<davgate::store::Permission>,
) -> FolderId {
    use davgate::store::{FolderType, NewFolder, PRIVATE_ROOT, PUBLIC_ROOT};
    let (parent_id, folder_type) = match owner {
        Some(_) => (PRIVATE_ROOT, FolderType::Private),
        None => (PUBLIC_ROOT, FolderType::Public),
    };
    store
        .create_folder(
            context,
            NewFolder {
                parent_id,
                module: FolderModule::Contacts,
                folder_type,
                owner_id: owner,
                name: name.into(),
                color: None,
                description: description.map(str::to_owned),
                permissions,
                sort_order: None,
                dav_name: None,
            },
        )
        .await
        .unwrap()
        .id
}
