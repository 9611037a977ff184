//! Expected answers below `/carddav/` (legend in `expect_entry`).
//!
//! - An address book answers PROPFIND, PROPPATCH, REPORT and DELETE (README "HTTP
//!   endpoints"); GET, PUT, COPY and MOVE of it are 405. PROPPATCH needs
//!   `DAV:write-properties` and DELETE `DAV:unbind` (administering the folder); the
//!   aggregated `Contacts` book and the global address list grant them to nobody (their
//!   current-user-privilege-set lacks them), so 403np. Calendar reports,
//!   expand-property and unknown reports are 403sr.
//! - POST is a sharing request, answered as on calendars; the global address list is
//!   shared by nobody (403np). The aggregated book is shared by nobody either: POST
//!   there takes a WebDAV-Push registration, any other body is 403np.
//! - Contacts answer GET, HEAD, PUT, DELETE, PROPFIND and REPORT (addressbook-multiget
//!   only, RFC 6352 8.7; other reports are 403sr there); COPY and MOVE are calendar only
//!   (405), PROPPATCH is 405 at any member path.
//! - Extended MKCOL with the `CARDDAV:addressbook` resource type at an unmapped
//!   `/carddav/<name>/` makes an address book; the matrix sends a calendar's resource
//!   type, refused there with 403, and a name of digits (another user's folder id or
//!   none) is refused alike (403). MKCALENDAR there is 403, on an existing collection
//!   403rn; below an address book both are 403lo (RFC 6352 5.2: no collections inside),
//!   or 409 where the book does not exist for the caller.
//! - `/carddav/Contacts/` and `/carddav/6/` exist for every user: each gets the book of
//!   their own context (the outsider his context's global address list). alice's entry
//!   of the global address list is readable by her context, written by nobody (the list
//!   grants all users Viewer); in the outsider's list that name is free, and he may
//!   not create members there (403np `DAV:bind`).
//! - The read-own sharee sees alice's address book but not alice's contacts in it, as
//!   for calendars.

pub const TABLE: &str = r##"
[address-book]
# alice's "CanaryBook": viewer has Viewer, readown has create + read/write/delete own.
#                             owner  stranger viewer readown outsider anonymous
OPTIONS                       200    404      200    200     404      200
GET                           405    404      405    405     404      401
HEAD                          405    404      405    405     404      401
PUT                           405    404      405    405     404      401
DELETE                        204    404      403np  403np   404      401
PROPFIND:0                    207    404      207    207     404      401
PROPFIND:1                    207    404      207    207     404      401
PROPPATCH                     207    404      403np  403np   404      401
REPORT:calendar-multiget      403sr  404      403sr  403sr   404      401
REPORT:calendar-query         403sr  404      403sr  403sr   404      401
REPORT:sync-collection        207    404      207    207     404      401
REPORT:free-busy-query        403sr  404      403sr  403sr   404      401
REPORT:addressbook-multiget   207    404      207    207     404      401
REPORT:addressbook-query      207    404      207    207     404      401
REPORT:expand-property        403sr  404      403sr  403sr   404      401
REPORT:unknown                403sr  404      403sr  403sr   404      401
MKCOL                         405    403      405    405     403      401
MKCALENDAR                    403rn  403      403rn  403rn   403      401
COPY                          405    404      405    405     404      401
MOVE                          405    404      405    405     404      401
LOCK                          501    501      501    501     501      401
UNLOCK                        501    501      501    501     501      401
POST                          200    404      403np  403np   404      401
PATCH                         501    501      501    501     501      401
FROBNICATE                    501    501      501    501     501      401
ACL                           200    404      403np  403np   404      401
REPORT:acl-principal-prop-set 207    404      403np  403np   404      401
REPORT:principal-match        207    404      207    207     404      401

[aggregated-contacts]
# /carddav/Contacts/: each caller's own "All Contacts".
#                             owner  stranger viewer readown outsider anonymous
OPTIONS                       200    200      200    200     200      200
GET                           405    405      405    405     405      401
HEAD                          405    405      405    405     405      401
PUT                           405    405      405    405     405      401
DELETE                        403np  403np    403np  403np   403np    401
PROPFIND:0                    207    207      207    207     207      401
PROPFIND:1                    207    207      207    207     207      401
PROPPATCH                     403np  403np    403np  403np   403np    401
REPORT:calendar-multiget      403sr  403sr    403sr  403sr   403sr    401
REPORT:calendar-query         403sr  403sr    403sr  403sr   403sr    401
REPORT:sync-collection        207    207      207    207     207      401
REPORT:free-busy-query        403sr  403sr    403sr  403sr   403sr    401
REPORT:addressbook-multiget   207    207      207    207     207      401
REPORT:addressbook-query      207    207      207    207     207      401
REPORT:expand-property        403sr  403sr    403sr  403sr   403sr    401
REPORT:unknown                403sr  403sr    403sr  403sr   403sr    401
MKCOL                         405    405      405    405     405      401
MKCALENDAR                    403rn  403rn    403rn  403rn   403rn    401
COPY                          405    405      405    405     405      401
MOVE                          405    405      405    405     405      401
LOCK                          501    501      501    501     501      401
UNLOCK                        501    501      501    501     501      401
POST                          403np  403np    403np  403np   403np    401
PATCH                         501    501      501    501     501      401
FROBNICATE                    501    501      501    501     501      401
ACL                           405    405      405    405     405      401
REPORT:acl-principal-prop-set 403sr  403sr    403sr  403sr   403sr    401
REPORT:principal-match        403sr  403sr    403sr  403sr   403sr    401

[contact-member]
# alice's contact in "CanaryBook". PUT sends it again with another NOTE.
#                             owner  stranger viewer readown outsider anonymous
OPTIONS                       200    404      200    200     404      200
GET                           200    404      200    404     404      401
HEAD                          200    404      200    404     404      401
PUT                           204    409      403np  403np   409      401
DELETE                        204    404      403np  404     404      401
PROPFIND:0                    207    404      207    404     404      401
PROPFIND:1                    207    404      207    404     404      401
PROPPATCH                     405    404      405    405     404      401
REPORT:calendar-multiget      403sr  404      403sr  403sr   404      401
REPORT:calendar-query         403sr  404      403sr  403sr   404      401
REPORT:sync-collection        403sr  404      403sr  403sr   404      401
REPORT:free-busy-query        403sr  404      403sr  403sr   404      401
REPORT:addressbook-multiget   207    404      207    207     404      401
REPORT:addressbook-query      403sr  404      403sr  403sr   404      401
REPORT:expand-property        403sr  404      403sr  403sr   404      401
REPORT:unknown                403sr  404      403sr  403sr   404      401
MKCOL                         403lo  409      403lo  403lo   409      401
MKCALENDAR                    403lo  409      403lo  403lo   409      401
COPY                          405    404      405    405     404      401
MOVE                          405    404      405    405     404      401
LOCK                          501    501      501    501     501      401
UNLOCK                        501    501      501    501     501      401
POST                          405    404      405    405     404      401
PATCH                         501    501      501    501     501      401
FROBNICATE                    501    501      501    501     501      401
ACL                           405    404      405    405     404      401
REPORT:acl-principal-prop-set 403sr  404      403sr  403sr   404      401
REPORT:principal-match        403sr  404      403sr  403sr   404      401

[global-address-list]
# /carddav/6/: the caller's own context's list.
#                             owner  stranger viewer readown outsider anonymous
OPTIONS                       200    200      200    200     200      200
GET                           405    405      405    405     405      401
HEAD                          405    405      405    405     405      401
PUT                           405    405      405    405     405      401
DELETE                        403np  403np    403np  403np   403np    401
PROPFIND:0                    207    207      207    207     207      401
PROPFIND:1                    207    207      207    207     207      401
PROPPATCH                     403np  403np    403np  403np   403np    401
REPORT:calendar-multiget      403sr  403sr    403sr  403sr   403sr    401
REPORT:calendar-query         403sr  403sr    403sr  403sr   403sr    401
REPORT:sync-collection        207    207      207    207     207      401
REPORT:free-busy-query        403sr  403sr    403sr  403sr   403sr    401
REPORT:addressbook-multiget   207    207      207    207     207      401
REPORT:addressbook-query      207    207      207    207     207      401
REPORT:expand-property        403sr  403sr    403sr  403sr   403sr    401
REPORT:unknown                403sr  403sr    403sr  403sr   403sr    401
MKCOL                         405    405      405    405     405      401
MKCALENDAR                    403rn  403rn    403rn  403rn   403rn    401
COPY                          405    405      405    405     405      401
MOVE                          405    405      405    405     405      401
LOCK                          501    501      501    501     501      401
UNLOCK                        501    501      501    501     501      401
POST                          403np  403np    403np  403np   403np    401
PATCH                         501    501      501    501     501      401
FROBNICATE                    501    501      501    501     501      401
ACL                           403np  403np    403np  403np   403np    401
REPORT:acl-principal-prop-set 403np  403np    403np  403np   403np    401
REPORT:principal-match        207    207      207    207     207      401

[global-address-list-entry]
# alice's own entry in her context's global address list.
#                             owner  stranger viewer readown outsider anonymous
OPTIONS                       200    200      200    200     200      200
GET                           200    200      200    200     404      401
HEAD                          200    200      200    200     404      401
PUT                           403np  403np    403np  403np   403np    401
DELETE                        403np  403np    403np  403np   404      401
PROPFIND:0                    207    207      207    207     404      401
PROPFIND:1                    207    207      207    207     404      401
PROPPATCH                     405    405      405    405     405      401
REPORT:calendar-multiget      403sr  403sr    403sr  403sr   403sr    401
REPORT:calendar-query         403sr  403sr    403sr  403sr   403sr    401
REPORT:sync-collection        403sr  403sr    403sr  403sr   403sr    401
REPORT:free-busy-query        403sr  403sr    403sr  403sr   403sr    401
REPORT:addressbook-multiget   207    207      207    207     207      401
REPORT:addressbook-query      403sr  403sr    403sr  403sr   403sr    401
REPORT:expand-property        403sr  403sr    403sr  403sr   403sr    401
REPORT:unknown                403sr  403sr    403sr  403sr   403sr    401
MKCOL                         403    403      403    403     403      401
MKCALENDAR                    403    403      403    403     403      401
COPY                          405    405      405    405     405      401
MOVE                          405    405      405    405     405      401
LOCK                          501    501      501    501     501      401
UNLOCK                        501    501      501    501     501      401
POST                          405    405      405    405     405      401
PATCH                         501    501      501    501     501      401
FROBNICATE                    501    501      501    501     501      401
ACL                           405    405      405    405     405      401
REPORT:acl-principal-prop-set 403sr  403sr    403sr  403sr   403sr    401
REPORT:principal-match        403sr  403sr    403sr  403sr   403sr    401

[carddav-no-folder]
# /carddav/no-such-book/: unmapped; the matrix's MKCOL asks for a calendar there.
#                             owner  stranger viewer readown outsider anonymous
OPTIONS                       404    404      404    404     404      200
GET                           404    404      404    404     404      401
HEAD                          404    404      404    404     404      401
PUT                           404    404      404    404     404      401
DELETE                        404    404      404    404     404      401
PROPFIND:0                    404    404      404    404     404      401
PROPFIND:1                    404    404      404    404     404      401
PROPPATCH                     404    404      404    404     404      401
REPORT:calendar-multiget      404    404      404    404     404      401
REPORT:calendar-query         404    404      404    404     404      401
REPORT:sync-collection        404    404      404    404     404      401
REPORT:free-busy-query        404    404      404    404     404      401
REPORT:addressbook-multiget   404    404      404    404     404      401
REPORT:addressbook-query      404    404      404    404     404      401
REPORT:expand-property        404    404      404    404     404      401
REPORT:unknown                404    404      404    404     404      401
MKCOL                         403    403      403    403     403      401
MKCALENDAR                    403    403      403    403     403      401
COPY                          404    404      404    404     404      401
MOVE                          404    404      404    404     404      401
LOCK                          501    501      501    501     501      401
UNLOCK                        501    501      501    501     501      401
POST                          404    404      404    404     404      401
PATCH                         501    501      501    501     501      401
FROBNICATE                    501    501      501    501     501      401
ACL                           404    404      404    404     404      401
REPORT:acl-principal-prop-set 404    404      404    404     404      401
REPORT:principal-match        404    404      404    404     404      401

[address-book-of-other-context]
# oscar's address book in the other context, by its folder id.
#                             owner  stranger viewer readown outsider anonymous
OPTIONS                       404    404      404    404     200      200
GET                           404    404      404    404     405      401
HEAD                          404    404      404    404     405      401
PUT                           404    404      404    404     405      401
DELETE                        404    404      404    404     204      401
PROPFIND:0                    404    404      404    404     207      401
PROPFIND:1                    404    404      404    404     207      401
PROPPATCH                     404    404      404    404     207      401
REPORT:calendar-multiget      404    404      404    404     403sr    401
REPORT:calendar-query         404    404      404    404     403sr    401
REPORT:sync-collection        404    404      404    404     207      401
REPORT:free-busy-query        404    404      404    404     403sr    401
REPORT:addressbook-multiget   404    404      404    404     207      401
REPORT:addressbook-query      404    404      404    404     207      401
REPORT:expand-property        404    404      404    404     403sr    401
REPORT:unknown                404    404      404    404     403sr    401
MKCOL                         403    403      403    403     405      401
MKCALENDAR                    403    403      403    403     403rn    401
COPY                          404    404      404    404     405      401
MOVE                          404    404      404    404     405      401
LOCK                          501    501      501    501     501      401
UNLOCK                        501    501      501    501     501      401
POST                          404    404      404    404     403      401
PATCH                         501    501      501    501     501      401
FROBNICATE                    501    501      501    501     501      401
ACL                           404    404      404    404     200      401
REPORT:acl-principal-prop-set 404    404      404    404     207      401
REPORT:principal-match        404    404      404    404     207      401
"##;
