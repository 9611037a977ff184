//! The body of a managed attachment upload (RFC 8607 attachment-add and -update), streamed
//! into the store a chunk at a time: memory holds one chunk however large the file, the
//! chunks are held to `maxAttachmentBytes` and the owner's byte quota as they arrive, and
//! an upload that fails or is cut off leaves nothing behind.

use axum::body::Body;
use futures::StreamExt;
use http::{header, HeaderMap};

use super::error::DavError;
use super::AppState;
use crate::dav::{Precondition, Refusal};
use crate::store::{ContextId, DynStore, UserId, ATTACHMENT_CHUNK_BYTES};

/// The longest file name kept, in bytes.
const MAX_FILENAME_BYTES: usize = 255;

/// What the client says of the file: its name and media type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Described {
    pub filename: Option<String>,
    pub fmttype: String,
}

impl Described {
    /// From `Content-Disposition` (`filename` or RFC 6266's `filename*`) and
    /// `Content-Type`; a media type that is no `type/subtype` is
    /// `application/octet-stream`.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let fmttype = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .filter(|v| is_media_type(v))
            .unwrap_or_else(|| "application/octet-stream".to_owned());
        let filename = headers
            .get(header::CONTENT_DISPOSITION)
            .and_then(|v| v.to_str().ok())
            .and_then(disposition_filename)
            .map(|name| clean_filename(&name))
            .filter(|name| !name.is_empty());
        Described { filename, fmttype }
    }
}

fn is_media_type(value: &str) -> bool {
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    value.len() <= 127
        && value
            .split_once('/')
            .is_some_and(|(t, s)| token(t) && token(s))
}

/// The file name of a `Content-Disposition` value: `filename*=UTF-8''...` before
/// `filename=`.
fn disposition_filename(value: &str) -> Option<String> {
    let mut plain = None;
    let mut extended = None;
    for part in value.split(';').skip(1) {
        let Some((key, raw)) = part.split_once('=') else {
            continue;
        };
        let raw = raw.trim();
        match key.trim().to_ascii_lowercase().as_str() {
            "filename" => plain = Some(raw.trim_matches('"').to_owned()),
            "filename*" => {
                extended = raw
                    .split_once("''")
                    .filter(|(charset, _)| charset.eq_ignore_ascii_case("utf-8"))
                    .and_then(|(_, encoded)| percent_decode(encoded))
            }
            _ => {}
        }
    }
    extended.or(plain)
}

fn percent_decode(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = value.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The last path segment of `name`, without control characters, at most
/// `MAX_FILENAME_BYTES`.
fn clean_filename(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let mut clean = String::new();
    for c in last.chars().filter(|c| !c.is_control()) {
        if clean.len() + c.len_utf8() > MAX_FILENAME_BYTES {
            break;
        }
        clean.push(c);
    }
    clean.trim().to_owned()
}

/// An upload stored in full (not yet complete: `finish` makes it so once an object
/// refers to it).
pub(super) struct Stored {
    pub managed_id: String,
    pub size: i64,
    guard: DiscardOnDrop,
}

impl Stored {
    /// Marks the attachment complete: from now on it is served, and it goes with the last
    /// object referring to it.
    pub async fn finish(mut self, state: &AppState) -> Result<(), DavError> {
        let context = self.guard.context;
        state
            .store
            .finish_attachment(context, &self.managed_id)
            .await?;
        self.guard.armed = false;
        Ok(())
    }
}

/// Removes an unfinished attachment when its request ends without finishing it, also
/// when the request is dropped (the client went away).
struct DiscardOnDrop {
    store: DynStore,
    context: ContextId,
    managed_id: String,
    armed: bool,
}

impl Drop for DiscardOnDrop {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let store = self.store.clone();
        let (context, managed_id) = (self.context, std::mem::take(&mut self.managed_id));
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(err) = store.discard_attachment(context, &managed_id).await {
                    tracing::warn!(%managed_id, error = %err, "discarding an unfinished upload failed");
                }
            });
        }
    }
}

/// A new managed id: 128 random bits in hex.
pub(super) fn new_managed_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// Stores `body` as a new attachment of `owner`, refusing with CALDAV:max-attachment-size
/// (413) as soon as it grows past the limit and with DAV:quota-not-exceeded (507) when a
/// chunk would take the owner past `byte_limit`.
pub(super) async fn store_body(
    state: &AppState,
    context: ContextId,
    owner: UserId,
    byte_limit: Option<i64>,
    described: &Described,
    filename: &str,
    body: Body,
) -> Result<Stored, DavError> {
    let max_bytes = state.limits.attachments.max_bytes;
    let managed_id = new_managed_id();
    state
        .store
        .create_attachment(context, owner, &managed_id, filename, &described.fmttype)
        .await?;
    let guard = DiscardOnDrop {
        store: state.store.clone(),
        context,
        managed_id: managed_id.clone(),
        armed: true,
    };
    let mut stream = body.into_data_stream();
    let mut pending: Vec<u8> = Vec::with_capacity(ATTACHMENT_CHUNK_BYTES);
    let mut seq = 0i64;
    let mut total = 0u64;
    while let Some(frame) = stream.next().await {
        let mut data = frame.map_err(|e| {
            DavError::BadRequest(format!("the attachment's body could not be read: {e}"))
        })?;
        total += data.len() as u64;
        if total > max_bytes {
            return Err(too_large(max_bytes));
        }
        while !data.is_empty() {
            let take = (ATTACHMENT_CHUNK_BYTES - pending.len()).min(data.len());
            pending.extend_from_slice(&data.split_to(take));
            if pending.len() == ATTACHMENT_CHUNK_BYTES {
                state
                    .store
                    .append_attachment_chunk(context, &managed_id, seq, &pending, byte_limit)
                    .await?;
                seq += 1;
                pending.clear();
            }
        }
    }
    if !pending.is_empty() {
        state
            .store
            .append_attachment_chunk(context, &managed_id, seq, &pending, byte_limit)
            .await?;
    }
    Ok(Stored {
        managed_id,
        size: i64::try_from(total).unwrap_or(i64::MAX),
        guard,
    })
}

/// The refusal of an attachment larger than `max_bytes`.
pub(super) fn too_large(max_bytes: u64) -> DavError {
    Refusal::new(
        Precondition::MaxAttachmentSize,
        format!(
            "an attachment may have at most {max_bytes} bytes \
             (davgate.limits.maxAttachmentBytes)"
        ),
    )
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn described(pairs: &[(header::HeaderName, &str)]) -> Described {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(name, value.parse().unwrap());
        }
        Described::from_headers(&headers)
    }

    #[test]
    fn the_file_name_comes_from_content_disposition() {
        let d = described(&[
            (header::CONTENT_TYPE, "Image/PNG; name=x"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"C:\\tmp\\photo.png\"",
            ),
        ]);
        assert_eq!(d.filename.as_deref(), Some("photo.png"));
        assert_eq!(d.fmttype, "image/png");
        let d = described(&[(
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"plain.txt\"; filename*=UTF-8''%C3%BCber%20plan.txt",
        )]);
        assert_eq!(d.filename.as_deref(), Some("über plan.txt"));
        assert_eq!(d.fmttype, "application/octet-stream");
        let d = described(&[(header::CONTENT_TYPE, "not a type")]);
        assert_eq!(d.filename, None);
        assert_eq!(d.fmttype, "application/octet-stream");
    }

    #[test]
    fn long_names_are_cut_at_a_character() {
        let name = "ü".repeat(200);
        let clean = clean_filename(&name);
        assert_eq!(clean.len(), 254);
        assert_eq!(clean_filename("a\u{0}b/../c\td"), "cd");
    }
}
