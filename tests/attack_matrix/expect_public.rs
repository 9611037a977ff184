//! Expected answers outside the DAV prefix (legend in `expect_entry`).
//!
//! - `/.well-known/caldav` and `/.well-known/carddav` redirect every request, with or
//!   without credentials, to the DAV root (RFC 6764 5; OX answers 301).
//! - `/health/live` answers GET and HEAD to anyone (orchestrators send no credentials);
//!   every other method is 405 with Allow (RFC 7231 6.5.5).
//! - A WebDAV-Push registration URL (`/dav/push-subscriptions/<id>`, README "WebDAV-Push")
//!   takes OPTIONS and DELETE, by the user who registered it (204); anyone else's DELETE
//!   is 404, as for an id that does not exist. Every other method DAV implements is 405
//!   to everyone logged in, whoever's the id; methods DAV does not implement are 501.

pub const TABLE: &str = r##"
[well-known-caldav]
#                             owner  stranger viewer readown outsider anonymous
OPTIONS                       301    301      301    301     301      301
GET                           301    301      301    301     301      301
HEAD                          301    301      301    301     301      301
PUT                           301    301      301    301     301      301
DELETE                        301    301      301    301     301      301
PROPFIND:0                    301    301      301    301     301      301
PROPFIND:1                    301    301      301    301     301      301
PROPPATCH                     301    301      301    301     301      301
REPORT:calendar-multiget      301    301      301    301     301      301
REPORT:calendar-query         301    301      301    301     301      301
REPORT:sync-collection        301    301      301    301     301      301
REPORT:free-busy-query        301    301      301    301     301      301
REPORT:addressbook-multiget   301    301      301    301     301      301
REPORT:addressbook-query      301    301      301    301     301      301
REPORT:expand-property        301    301      301    301     301      301
REPORT:unknown                301    301      301    301     301      301
MKCOL                         301    301      301    301     301      301
MKCALENDAR                    301    301      301    301     301      301
COPY                          301    301      301    301     301      301
MOVE                          301    301      301    301     301      301
LOCK                          301    301      301    301     301      301
UNLOCK                        301    301      301    301     301      301
POST                          301    301      301    301     301      301
PATCH                         301    301      301    301     301      301
FROBNICATE                    301    301      301    301     301      301
ACL                           301    301      301    301     301      301
REPORT:acl-principal-prop-set 301    301      301    301     301      301
REPORT:principal-match        301    301      301    301     301      301

[well-known-carddav]
#                             owner  stranger viewer readown outsider anonymous
OPTIONS                       301    301      301    301     301      301
GET                           301    301      301    301     301      301
HEAD                          301    301      301    301     301      301
PUT                           301    301      301    301     301      301
DELETE                        301    301      301    301     301      301
PROPFIND:0                    301    301      301    301     301      301
PROPFIND:1                    301    301      301    301     301      301
PROPPATCH                     301    301      301    301     301      301
REPORT:calendar-multiget      301    301      301    301     301      301
REPORT:calendar-query         301    301      301    301     301      301
REPORT:sync-collection        301    301      301    301     301      301
REPORT:free-busy-query        301    301      301    301     301      301
REPORT:addressbook-multiget   301    301      301    301     301      301
REPORT:addressbook-query      301    301      301    301     301      301
REPORT:expand-property        301    301      301    301     301      301
REPORT:unknown                301    301      301    301     301      301
MKCOL                         301    301      301    301     301      301
MKCALENDAR                    301    301      301    301     301      301
COPY                          301    301      301    301     301      301
MOVE                          301    301      301    301     301      301
LOCK                          301    301      301    301     301      301
UNLOCK                        301    301      301    301     301      301
POST                          301    301      301    301     301      301
PATCH                         301    301      301    301     301      301
FROBNICATE                    301    301      301    301     301      301
ACL                           301    301      301    301     301      301
REPORT:acl-principal-prop-set 301    301      301    301     301      301
REPORT:principal-match        301    301      301    301     301      301

[health-live]
#                             owner  stranger viewer readown outsider anonymous
OPTIONS                       405    405      405    405     405      405
GET                           200    200      200    200     200      200
HEAD                          200    200      200    200     200      200
PUT                           405    405      405    405     405      405
DELETE                        405    405      405    405     405      405
PROPFIND:0                    405    405      405    405     405      405
PROPFIND:1                    405    405      405    405     405      405
PROPPATCH                     405    405      405    405     405      405
REPORT:calendar-multiget      405    405      405    405     405      405
REPORT:calendar-query         405    405      405    405     405      405
REPORT:sync-collection        405    405      405    405     405      405
REPORT:free-busy-query        405    405      405    405     405      405
REPORT:addressbook-multiget   405    405      405    405     405      405
REPORT:addressbook-query      405    405      405    405     405      405
REPORT:expand-property        405    405      405    405     405      405
REPORT:unknown                405    405      405    405     405      405
MKCOL                         405    405      405    405     405      405
MKCALENDAR                    405    405      405    405     405      405
COPY                          405    405      405    405     405      405
MOVE                          405    405      405    405     405      405
LOCK                          405    405      405    405     405      405
UNLOCK                        405    405      405    405     405      405
POST                          405    405      405    405     405      405
PATCH                         405    405      405    405     405      405
FROBNICATE                    405    405      405    405     405      405
ACL                           405    405      405    405     405      405
REPORT:acl-principal-prop-set 405    405      405    405     405      405
REPORT:principal-match        405    405      405    405     405      405

[push-registration]
# alice's registration on her default calendar.
#                             owner  stranger viewer readown outsider anonymous
OPTIONS                       200    200      200    200     200      200
GET                           405    405      405    405     405      401
HEAD                          405    405      405    405     405      401
PUT                           405    405      405    405     405      401
DELETE                        204    404      404    404     404      401
PROPFIND:0                    405    405      405    405     405      401
PROPFIND:1                    405    405      405    405     405      401
PROPPATCH                     405    405      405    405     405      401
REPORT:calendar-multiget      405    405      405    405     405      401
REPORT:calendar-query         405    405      405    405     405      401
REPORT:sync-collection        405    405      405    405     405      401
REPORT:free-busy-query        405    405      405    405     405      401
REPORT:addressbook-multiget   405    405      405    405     405      401
REPORT:addressbook-query      405    405      405    405     405      401
REPORT:expand-property        405    405      405    405     405      401
REPORT:unknown                405    405      405    405     405      401
MKCOL                         405    405      405    405     405      401
MKCALENDAR                    405    405      405    405     405      401
COPY                          405    405      405    405     405      401
MOVE                          405    405      405    405     405      401
LOCK                          501    501      501    501     501      401
UNLOCK                        501    501      501    501     501      401
POST                          405    405      405    405     405      401
PATCH                         501    501      501    501     501      401
FROBNICATE                    501    501      501    501     501      401
ACL                           405    405      405    405     405      401
REPORT:acl-principal-prop-set 405    405      405    405     405      401
REPORT:principal-match        405    405      405    405     405      401
"##;
