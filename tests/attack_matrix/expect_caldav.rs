//! Expected answers below `/caldav/` (legend in `expect_entry`).
//!
//! - A calendar or task list answers PROPFIND, PROPPATCH, REPORT and DELETE (README);
//!   GET, PUT, COPY and MOVE of a collection are 405. DELETE needs the right to
//!   administer the folder, PROPPATCH `DAV:write-properties` (RFC 3744 3.5); the viewer
//!   and the read-own sharee lack both (403np). Address book reports on a calendar are
//!   403sr, as are expand-property and unknown reports (RFC 3253 3.6).
//! - POST is a sharing request (calendarserver-sharing) giving the stranger read-write
//!   access: the owner's is carried out (200), the sharees lack `DAV:write-acl` (403np),
//!   and the outsider's on his own calendar names nobody of his context (403
//!   `DAV:recognized-principal`). On a member POST is a managed attachment action (RFC
//!   8607); the matrix names none, which only those who may change the member learn
//!   (400); the viewer lacks write-content (403np), the others do not see it (404).
//! - free-busy-query answers 200 with a VFREEBUSY (RFC 4791 7.10) to whoever may read.
//! - MKCOL on an existing collection is 405 (RFC 4918 9.3.1), MKCALENDAR 403rn (RFC 4791
//!   5.3.1.1). At a numeric segment the caller cannot see they are 403: numeric segments
//!   are folder ids, which a client does not choose ("the server does not allow the
//!   creation of calendar collections at the given location"), and the answer must not
//!   depend on whether another user's folder has that id. Below a collection (a member
//!   path) they are 403lo: calendar collections hold no collections (RFC 4791 4.2); below
//!   one the caller does not see, 409, as below one that does not exist.
//! - Members answer GET, HEAD, PUT, DELETE, PROPFIND, REPORT, COPY and MOVE; PROPPATCH
//!   is 405 at any member path of a collection the caller sees, existing or not. The only
//!   report at a member is calendar-multiget (RFC 4791 7.9), its hrefs read as on the
//!   calendar; the others are 403sr there.
//! - The read-own sharee sees alice's calendar but not alice's members in it: reading
//!   or deleting one answers as for a member that does not exist (404). A PUT cannot
//!   pretend the name is free without overwriting, so it is refused (403np).
//! - COPY and MOVE send the member to the caller's own default calendar; the source
//!   decides: readable for COPY, deletable (`DAV:unbind`) for MOVE.
//! - The calendar of the other context is oscar's: he is its owner, everyone else
//!   meets a folder id that names nothing in their context.

pub const TABLE: &str = r##"
[calendar]
# alice's "CanaryCalendar": viewer has Viewer, readown has create + read/write/delete own.
#                             owner  stranger viewer readown outsider anonymous
OPTIONS                       200    200      200    200     200      200
GET                           405    404      405    405     404      401
HEAD                          405    404      405    405     404      401
PUT                           405    404      405    405     404      401
DELETE                        204    404      403np  403np   404      401
PROPFIND:0                    207    404      207    207     404      401
PROPFIND:1                    207    404      207    207     404      401
PROPPATCH                     207    404      403np  403np   404      401
REPORT:calendar-multiget      207    404      207    207     404      401
REPORT:calendar-query         207    404      207    207     404      401
REPORT:sync-collection        207    404      207    207     404      401
REPORT:free-busy-query        200    404      200    200     404      401
REPORT:addressbook-multiget   403sr  404      403sr  403sr   404      401
REPORT:addressbook-query      403sr  404      403sr  403sr   404      401
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

[task-list]
# alice's "CanaryTasks", shared as the calendar is.
#                             owner  stranger viewer readown outsider anonymous
OPTIONS                       200    200      200    200     200      200
GET                           405    404      405    405     404      401
HEAD                          405    404      405    405     404      401
PUT                           405    404      405    405     404      401
DELETE                        204    404      403np  403np   404      401
PROPFIND:0                    207    404      207    207     404      401
PROPFIND:1                    207    404      207    207     404      401
PROPPATCH                     207    404      403np  403np   404      401
REPORT:calendar-multiget      207    404      207    207     404      401
REPORT:calendar-query         207    404      207    207     404      401
REPORT:sync-collection        207    404      207    207     404      401
REPORT:free-busy-query        200    404      200    200     404      401
REPORT:addressbook-multiget   403sr  404      403sr  403sr   404      401
REPORT:addressbook-query      403sr  404      403sr  403sr   404      401
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

[calendar-member]
# alice's event in "CanaryCalendar". PUT sends it again with another SUMMARY.
#                             owner  stranger viewer readown outsider anonymous
OPTIONS                       200    404      200    200     404      200
GET                           200    404      200    404     404      401
HEAD                          200    404      200    404     404      401
PUT                           204    409      403np  403np   409      401
DELETE                        204    404      403np  404     404      401
PROPFIND:0                    207    404      207    404     404      401
PROPFIND:1                    207    404      207    404     404      401
PROPPATCH                     405    404      405    405     404      401
REPORT:calendar-multiget      207    404      207    207     404      401
REPORT:calendar-query         403sr  404      403sr  403sr   404      401
REPORT:sync-collection        403sr  404      403sr  403sr   404      401
REPORT:free-busy-query        403sr  404      403sr  403sr   404      401
REPORT:addressbook-multiget   403sr  404      403sr  403sr   404      401
REPORT:addressbook-query      403sr  404      403sr  403sr   404      401
REPORT:expand-property        403sr  404      403sr  403sr   404      401
REPORT:unknown                403sr  404      403sr  403sr   404      401
MKCOL                         403lo  409      403lo  403lo   409      401
MKCALENDAR                    403lo  409      403lo  403lo   409      401
COPY                          201    404      201    404     404      401
MOVE                          201    404      403np  404     404      401
LOCK                          501    501      501    501     501      401
UNLOCK                        501    501      501    501     501      401
POST                          400    404      403np  404     404      401
PATCH                         501    501      501    501     501      401
FROBNICATE                    501    501      501    501     501      401
ACL                           405    404      405    405     404      401
REPORT:acl-principal-prop-set 403sr  404      403sr  403sr   404      401
REPORT:principal-match        403sr  404      403sr  403sr   404      401

[missing-member]
# A name in "CanaryCalendar" that no member has. Creating one takes DAV:bind, which the
# read-own sharee has and the viewer lacks.
#                             owner  stranger viewer readown outsider anonymous
OPTIONS                       200    404      200    200     404      200
GET                           404    404      404    404     404      401
HEAD                          404    404      404    404     404      401
PUT                           201    409      403np  201     409      401
DELETE                        404    404      404    404     404      401
PROPFIND:0                    404    404      404    404     404      401
PROPFIND:1                    404    404      404    404     404      401
PROPPATCH                     405    404      405    405     404      401
REPORT:calendar-multiget      207    404      207    207     404      401
REPORT:calendar-query         403sr  404      403sr  403sr   404      401
REPORT:sync-collection        403sr  404      403sr  403sr   404      401
REPORT:free-busy-query        403sr  404      403sr  403sr   404      401
REPORT:addressbook-multiget   403sr  404      403sr  403sr   404      401
REPORT:addressbook-query      403sr  404      403sr  403sr   404      401
REPORT:expand-property        403sr  404      403sr  403sr   404      401
REPORT:unknown                403sr  404      403sr  403sr   404      401
MKCOL                         403lo  409      403lo  403lo   409      401
MKCALENDAR                    403lo  409      403lo  403lo   409      401
COPY                          404    404      404    404     404      401
MOVE                          404    404      404    404     404      401
LOCK                          501    501      501    501     501      401
UNLOCK                        501    501      501    501     501      401
POST                          404    404      404    404     404      401
PATCH                         501    501      501    501     501      401
FROBNICATE                    501    501      501    501     501      401
ACL                           405    404      405    405     404      401
REPORT:acl-principal-prop-set 403sr  404      403sr  403sr   404      401
REPORT:principal-match        403sr  404      403sr  403sr   404      401

[caldav-no-folder]
# /caldav/no-such-calendar/: unmapped; any user may make a calendar of its own there.
#                             owner  stranger viewer readown outsider anonymous
OPTIONS                       200    200      200    200     200      200
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
MKCOL                         201    201      201    201     201      401
MKCALENDAR                    201    201      201    201     201      401
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

[calendar-of-other-context]
# oscar's calendar in the other context, by its folder id.
#                             owner  stranger viewer readown outsider anonymous
OPTIONS                       200    200      200    200     200      200
GET                           404    404      404    404     405      401
HEAD                          404    404      404    404     405      401
PUT                           404    404      404    404     405      401
DELETE                        404    404      404    404     204      401
PROPFIND:0                    404    404      404    404     207      401
PROPFIND:1                    404    404      404    404     207      401
PROPPATCH                     404    404      404    404     207      401
REPORT:calendar-multiget      404    404      404    404     207      401
REPORT:calendar-query         404    404      404    404     207      401
REPORT:sync-collection        404    404      404    404     207      401
REPORT:free-busy-query        404    404      404    404     200      401
REPORT:addressbook-multiget   404    404      404    404     403sr    401
REPORT:addressbook-query      404    404      404    404     403sr    401
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
