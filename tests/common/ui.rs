//! Driving the browser page through the real router as a browser would: cookies kept
//! between requests, forms posted with the CSRF token the page gave.

use axum::body::Body;
use axum::Router;
use bytes::Bytes;
use http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// Where the page is with the test layout (`prefixPath` /dav, nothing added by a proxy).
pub const UI: &str = "/dav/ui";
pub const HOST: &str = "dav.example.com";

/// A browser: its cookies, sent with every request.
#[derive(Default, Clone)]
pub struct Browser {
    pub cookies: Vec<(String, String)>,
    /// Extra headers sent with every request (e.g. X-Forwarded-Proto).
    pub headers: Vec<(String, String)>,
}

pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Page {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }

    /// The Set-Cookie values of the answer.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }

    /// The Set-Cookie value for `name`, if the answer sets it.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.set_cookies()
            .into_iter()
            .find(|c| c.starts_with(&format!("{name}=")))
    }

    /// The value of the first hidden `csrf` field of the page.
    pub fn csrf(&self) -> String {
        let text = self.text();
        let at = text
            .find("name=\"csrf\" value=\"")
            .unwrap_or_else(|| panic!("no CSRF field in {text}"));
        let rest = &text[at + "name=\"csrf\" value=\"".len()..];
        rest[..rest.find('"').unwrap()].to_owned()
    }
}

/// `application/x-www-form-urlencoded` of `fields`.
pub fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            b' ' => "+".into(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

impl Browser {
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn set(&mut self, name: &str, value: &str) {
        self.cookies.retain(|(n, _)| n != name);
        if !value.is_empty() {
            self.cookies.push((name.to_owned(), value.to_owned()));
        }
    }

    fn remember(&mut self, page: &Page) {
        for cookie in page.set_cookies() {
            let pair = cookie.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            let expired = cookie.contains("Max-Age=0");
            self.set(name, if expired { "" } else { value });
        }
    }

    pub async fn request(
        &mut self,
        app: &Router,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Page {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("host", HOST);
        if !self.cookies.is_empty() {
            let cookies: Vec<String> = self
                .cookies
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect();
            request = request.header("cookie", cookies.join("; "));
        }
        for (name, value) in &self.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = app
            .clone()
            .oneshot(request.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        let page = Page {
            status: response.status(),
            headers: response.headers().clone(),
            body: response.into_body().collect().await.unwrap().to_bytes(),
        };
        self.remember(&page);
        page
    }

    pub async fn get(&mut self, app: &Router, path: &str) -> Page {
        self.request(app, "GET", path, &[("accept", "text/html")], Vec::new())
            .await
    }

    /// The origin the browser addressed (as the proxy in front tells it, if any).
    pub fn origin(&self) -> String {
        let header = |name: &str| {
            self.headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        let scheme = header("x-forwarded-proto").unwrap_or_else(|| "http".into());
        let host = header("x-forwarded-host").unwrap_or_else(|| HOST.into());
        format!("{scheme}://{host}")
    }

    /// A form POST as the browser sends it (with the page's Origin).
    pub async fn post(&mut self, app: &Router, path: &str, fields: &[(&str, &str)]) -> Page {
        let origin = self.origin();
        self.request(
            app,
            "POST",
            path,
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("origin", &origin),
            ],
            form(fields).into_bytes(),
        )
        .await
    }

    /// Opens the login form and logs in; the answer to the login.
    pub async fn log_in(&mut self, app: &Router, login: &str, password: &str) -> Page {
        let form = self.get(app, &format!("{UI}/login")).await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.text());
        let csrf = form.csrf();
        self.post(
            app,
            &format!("{UI}/login"),
            &[("login", login), ("password", password), ("csrf", &csrf)],
        )
        .await
    }

    /// Logs in and checks it worked; the browser then has a session.
    pub async fn logged_in(app: &Router, login: &str, password: &str) -> Browser {
        let mut browser = Browser::default();
        let answer = browser.log_in(app, login, password).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.text());
        assert!(browser.cookie("davgate_session").is_some());
        browser
    }

    /// The CSRF token of the collections page.
    pub async fn csrf(&mut self, app: &Router) -> String {
        let page = self.get(app, &format!("{UI}/")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        page.csrf()
    }
}
