//! Setting up a client: the account URL (the DAV root, from which clients discover the
//! rest) with a QR code of it, steps for DAVx5, Thunderbird and Apple's systems, and an
//! (unsigned) Apple configuration profile with a CalDAV and a CardDAV account payload
//! for macOS and iOS. The profile holds no password: the system asks for it on install.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderMap, HeaderValue};
use rand::RngCore;

use super::collections::logged_in;
use super::page::{html, origin, to_login, with_page_headers, Chrome};
use super::session::UiLogin;
use crate::http::AppState;
use crate::principals::principal_path;

/// Where a client connects: host, port, TLS, and the paths it needs.
pub struct Account {
    pub host: String,
    pub port: u16,
    pub tls: bool,
    /// The DAV root as an absolute URL.
    pub url: String,
    /// The user's principal, absolute path.
    pub principal: String,
    pub username: String,
}

impl Account {
    pub fn of(state: &AppState, headers: &HeaderMap, login: &UiLogin) -> Account {
        let origin = origin(headers);
        let tls = origin.starts_with("https://");
        let authority = origin.split_once("://").map_or("", |(_, a)| a);
        let (host, port) = split_authority(authority, if tls { 443 } else { 80 });
        Account {
            host,
            port,
            tls,
            url: format!("{origin}{}", state.paths.external("/")),
            principal: state.paths.external(&principal_path(&login.me.user)),
            username: login.session.login.clone(),
        }
    }
}

/// Host and port of `authority` (`host`, `host:port`, `[v6]:port`).
fn split_authority(authority: &str, default_port: u16) -> (String, u16) {
    if let Some((host, port)) = authority.rsplit_once(':') {
        if !host.ends_with(':') && (!host.contains(':') || host.ends_with(']')) {
            if let Ok(port) = port.parse() {
                return (host.to_owned(), port);
            }
        }
    }
    (authority.to_owned(), default_port)
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    chrome: Chrome,
    account: Account,
    freebusy: Option<String>,
}

pub async fn page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let login = match logged_in(&state, &headers).await {
        Ok(Some(login)) => login,
        Ok(None) => return to_login(&state),
        Err(err) => return err.page(&state),
    };
    let account = Account::of(&state, &headers, &login);
    let freebusy = login
        .me
        .config
        .get::<crate::config::props::PublishInternetFreeBusy>()
        .then(|| {
            format!(
                "{}{}",
                origin(&headers),
                state
                    .paths
                    .external_segments(&["freebusy", &login.me.user.mail], false)
            )
        })
        .filter(|_| !login.me.user.mail.is_empty());
    html(&SetupPage {
        chrome: Chrome::new(&state, &login, "Set up a client", "setup"),
        account,
        freebusy,
    })
}

/// A random UUID (version 4) in its text form.
fn uuid() -> String {
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode_upper(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// Text for a plist `<string>`.
fn xml_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The plist of one account payload of `kind` (`CalDAV` or `CardDAV`).
fn account_payload(kind: &str, account: &Account, identifier: &str) -> String {
    let lower = kind.to_ascii_lowercase();
    let s = |t: &str| xml_text(t);
    format!(
        "    <dict>\n\
         \x20     <key>{kind}AccountDescription</key><string>{desc}</string>\n\
         \x20     <key>{kind}HostName</key><string>{host}</string>\n\
         \x20     <key>{kind}Port</key><integer>{port}</integer>\n\
         \x20     <key>{kind}PrincipalURL</key><string>{principal}</string>\n\
         \x20     <key>{kind}UseSSL</key><{tls}/>\n\
         \x20     <key>{kind}Username</key><string>{user}</string>\n\
         \x20     <key>PayloadDescription</key><string>{kind} account</string>\n\
         \x20     <key>PayloadDisplayName</key><string>{kind} ({host})</string>\n\
         \x20     <key>PayloadIdentifier</key><string>{identifier}.{lower}</string>\n\
         \x20     <key>PayloadType</key><string>com.apple.{lower}.account</string>\n\
         \x20     <key>PayloadUUID</key><string>{uuid}</string>\n\
         \x20     <key>PayloadVersion</key><integer>1</integer>\n\
         \x20   </dict>\n",
        desc = s(&format!("{} ({})", kind, account.host)),
        host = s(&account.host),
        port = account.port,
        principal = s(&account.principal),
        tls = if account.tls { "true" } else { "false" },
        user = s(&account.username),
        identifier = s(identifier),
        uuid = uuid(),
    )
}

/// The whole configuration profile.
pub fn apple_profile_xml(account: &Account) -> String {
    let reversed: Vec<&str> = account
        .host
        .trim_matches(['[', ']'])
        .split('.')
        .rev()
        .collect();
    let identifier = format!(
        "{}.davgate.{}",
        reversed.join("."),
        account
            .username
            .replace(|c: char| !c.is_ascii_alphanumeric(), "-")
    );
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n\
         <plist version=\"1.0\">\n\
         <dict>\n\
         \x20 <key>PayloadContent</key>\n\
         \x20 <array>\n{caldav}{carddav}  </array>\n\
         \x20 <key>PayloadDescription</key><string>Calendars, task lists and address books of {host}</string>\n\
         \x20 <key>PayloadDisplayName</key><string>{host}</string>\n\
         \x20 <key>PayloadIdentifier</key><string>{identifier}</string>\n\
         \x20 <key>PayloadRemovalDisallowed</key><false/>\n\
         \x20 <key>PayloadType</key><string>Configuration</string>\n\
         \x20 <key>PayloadUUID</key><string>{uuid}</string>\n\
         \x20 <key>PayloadVersion</key><integer>1</integer>\n\
         </dict>\n\
         </plist>\n",
        caldav = account_payload("CalDAV", account, &identifier),
        carddav = account_payload("CardDAV", account, &identifier),
        host = xml_text(&account.host),
        identifier = xml_text(&identifier),
        uuid = uuid(),
    )
}

pub async fn apple_profile(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let login = match logged_in(&state, &headers).await {
        Ok(Some(login)) => login,
        Ok(None) => return to_login(&state),
        Err(err) => return err.page(&state),
    };
    let account = Account::of(&state, &headers, &login);
    let mut response = apple_profile_xml(&account).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-apple-aspen-config"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"davgate.mobileconfig\""),
    );
    with_page_headers(response)
}

/// The account URL as a QR code, SVG.
pub async fn qr_code(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let login = match logged_in(&state, &headers).await {
        Ok(Some(login)) => login,
        Ok(None) => return to_login(&state),
        Err(err) => return err.page(&state),
    };
    let account = Account::of(&state, &headers, &login);
    let svg = match qrcode::QrCode::new(account.url.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
        Err(err) => {
            return super::UiError::BadRequest(format!("no QR code for this URL: {err}"))
                .page(&state)
        }
    };
    let mut response = svg.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml"),
    );
    with_page_headers(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorities_split_into_host_and_port() {
        assert_eq!(
            split_authority("dav.example.com", 443),
            ("dav.example.com".into(), 443)
        );
        assert_eq!(
            split_authority("dav.example.com:8443", 443),
            ("dav.example.com".into(), 8443)
        );
        assert_eq!(split_authority("[::1]:8080", 80), ("[::1]".into(), 8080));
        assert_eq!(split_authority("[::1]", 80), ("[::1]".into(), 80));
    }
}
