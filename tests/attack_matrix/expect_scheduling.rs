//! Expected answers at the scheduling mailboxes and the Internet free/busy URL (legend
//! in `expect_entry`).
//!
//! - `/caldav/schedule-inbox/` and `/caldav/schedule-outbox/` name the caller's own
//!   mailboxes (RFC 6638 2.1, 2.2): every user of either context reaches a mailbox, and
//!   nobody reaches another's. The inbox answers PROPFIND, PROPPATCH and the reports a
//!   calendar answers for listing and reading (calendar-multiget, sync-collection);
//!   calendar-query and free-busy-query, which read events by their time and are for
//!   calendars (RFC 4791 7.8, 7.10), the address book reports, expand-property and
//!   unknown reports are 403sr. The inbox itself cannot be deleted
//!   (403) and takes no PUT, GET, COPY or MOVE (405); MKCALENDAR on it is 403rn, MKCOL 405.
//! - The message in alice's inbox is hers alone: she reads and deletes it; for everyone
//!   else the name is a message their own inbox lacks (404). Only the server delivers:
//!   PUT at any name in an inbox is 403np (RFC 6638 2.2.1), whether or not the name
//!   exists. Messages hold no collections (403lo) and take no PROPPATCH (405).
//! - The outbox answers PROPFIND and POST (RFC 6638 2.1, 5): alice's free/busy request
//!   names her as the organizer, so from her it is 200 and from anybody else 403
//!   (`CALDAV:organizer-allowed`), whose busy time it never shows. Everything else is 405,
//!   MKCALENDAR 403rn.
//! - `/freebusy/<mail>` serves free/busy without DAV (OX's Internet free/busy): alice has
//!   not published hers (`com.openexchange.calendar.publishInternetFreeBusy` is off by
//!   default), so everybody logged in gets 404, as for an unknown address, and
//!   `davgate.freebusy.requireLogin` asks the anonymous caller to log in. Only GET and
//!   HEAD are served there; any other method finds no resource (404), or no
//!   implementation at all (501).

pub const TABLE: &str = r##"
[schedule-inbox]
# Each caller's own inbox; alice's holds the planted invitation.
#                             owner  stranger viewer readown outsider anonymous
OPTIONS                       200    200      200    200     200      200
GET                           405    405      405    405     405      401
HEAD                          405    405      405    405     405      401
PUT                           405    405      405    405     405      401
DELETE                        403    403      403    403     403      401
PROPFIND:0                    207    207      207    207     207      401
PROPFIND:1                    207    207      207    207     207      401
PROPPATCH                     207    207      207    207     207      401
REPORT:calendar-multiget      207    207      207    207     207      401
REPORT:calendar-query         403sr  403sr    403sr  403sr   403sr    401
REPORT:sync-collection        207    207      207    207     207      401
REPORT:free-busy-query        403sr  403sr    403sr  403sr   403sr    401
REPORT:addressbook-multiget   403sr  403sr    403sr  403sr   403sr    401
REPORT:addressbook-query      403sr  403sr    403sr  403sr   403sr    401
REPORT:expand-property        403sr  403sr    403sr  403sr   403sr    401
REPORT:unknown                403sr  403sr    403sr  403sr   403sr    401
MKCOL                         405    405      405    405     405      401
MKCALENDAR                    403rn  403rn    403rn  403rn   403rn    401
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

[schedule-inbox-message]
# The name of the invitation in alice's inbox.
#                             owner  stranger viewer readown outsider anonymous
OPTIONS                       200    200      200    200     200      200
GET                           200    404      404    404     404      401
HEAD                          200    404      404    404     404      401
PUT                           403np  403np    403np  403np   403np    401
DELETE                        204    404      404    404     404      401
PROPFIND:0                    207    404      404    404     404      401
PROPFIND:1                    207    404      404    404     404      401
PROPPATCH                     405    405      405    405     405      401
REPORT:calendar-multiget      207    207      207    207     207      401
REPORT:calendar-query         403sr  403sr    403sr  403sr   403sr    401
REPORT:sync-collection        403sr  403sr    403sr  403sr   403sr    401
REPORT:free-busy-query        403sr  403sr    403sr  403sr   403sr    401
REPORT:addressbook-multiget   403sr  403sr    403sr  403sr   403sr    401
REPORT:addressbook-query      403sr  403sr    403sr  403sr   403sr    401
REPORT:expand-property        403sr  403sr    403sr  403sr   403sr    401
REPORT:unknown                403sr  403sr    403sr  403sr   403sr    401
MKCOL                         403lo  403lo    403lo  403lo   403lo    401
MKCALENDAR                    403lo  403lo    403lo  403lo   403lo    401
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

[schedule-outbox]
# Each caller's own outbox; the POST is alice's free/busy request.
#                             owner  stranger viewer readown outsider anonymous
OPTIONS                       200    200      200    200     200      200
GET                           405    405      405    405     405      401
HEAD                          405    405      405    405     405      401
PUT                           405    405      405    405     405      401
DELETE                        405    405      405    405     405      401
PROPFIND:0                    207    207      207    207     207      401
PROPFIND:1                    207    207      207    207     207      401
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
MKCALENDAR                    403rn  403rn    403rn  403rn   403rn    401
COPY                          405    405      405    405     405      401
MOVE                          405    405      405    405     405      401
LOCK                          501    501      501    501     501      401
UNLOCK                        501    501      501    501     501      401
POST                          200    403      403    403     403      401
PATCH                         501    501      501    501     501      401
FROBNICATE                    501    501      501    501     501      401
ACL                           405    405      405    405     405      401
REPORT:acl-principal-prop-set 405    405      405    405     405      401
REPORT:principal-match        405    405      405    405     405      401

[internet-freebusy]
# alice's Internet free/busy URL; she has not published her free/busy.
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
MKCOL                         404    404      404    404     404      401
MKCALENDAR                    404    404      404    404     404      401
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
"##;
