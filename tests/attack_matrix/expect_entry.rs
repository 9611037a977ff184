//! Expected answers on the entry points: the DAV root, the principal collections, the
//! principals and the two homes.
//!
//! Legend (all tables): a status code, or
//! - `401`: with a Basic challenge (RFC 7235 3.1). Only OPTIONS, the well-known names
//!   and health answer without credentials; OPTIONS without credentials gets the general
//!   answer, with credentials the methods of the resource as the caller sees it (404
//!   where it does not exist for the caller).
//! - `405`: with an Allow header that does not list the method (RFC 7231 6.5.5): the
//!   resource exists for the caller but does not take the method.
//! - `403np`: `DAV:need-privileges` (RFC 3744 7.1.1): the caller sees the resource but
//!   lacks the privilege.
//! - `403sr`: `DAV:supported-report` (RFC 3253 3.6): a report the collection does not do.
//! - `403rn`: `DAV:resource-must-be-null` (RFC 4791 5.3.1.1): MKCALENDAR where a resource
//!   is.
//! - `403lo`: `CALDAV:calendar-collection-location-ok` or
//!   `CARDDAV:addressbook-collection-location-ok`: MKCALENDAR or MKCOL inside a calendar or
//!   an address book, which hold no collections.
//! - `409`: PUT, MKCOL or MKCALENDAR below a calendar or address book that does not exist
//!   for the caller (RFC 4918 9.3.1, 9.7.1).
//! - `404`: the resource does not exist *for this caller*; a resource the caller may not
//!   see answers exactly as one that does not exist, never 403.
//! - `501`: a method davgate implements on no resource (RFC 7231 4.1, 6.6.2): LOCK and
//!   UNLOCK (davgate is class 1 and 3, not 2), PATCH and a made-up one; answered
//!   before the path is looked at, so it tells nothing about the resource. POST is taken
//!   by the scheduling outbox (tests/scheduling_freebusy.rs) and, as a sharing request,
//!   by calendars and folder address books (tests/sharing.rs); elsewhere it is 405 where
//!   the resource exists for the caller and 404 where it does not, as any method the
//!   resource does not take.
//!
//! Entry points are collections that answer PROPFIND and REPORT (README "HTTP
//! endpoints"): expand-property on each (RFC 3253 3.8, tests/expand_property.rs), and on
//! the principal collections the principal searches of RFC 3744 9.4 and 9.5
//! (tests/principal_search.rs), and calendar-multiget on the calendar home with hrefs in
//! several calendars (RFC 4791 7.9), addressbook-multiget likewise on the address book
//! home (the matrix's hrefs are answered as their collections answer them, the canaries
//! checking what comes back); the other reports of the matrix are 403sr there.
//! ACL (RFC 3744 8.1) is taken by calendars and folder address books alone, from their
//! owner and folder administrators (403np for every other caller who sees them, 405 on
//! every other resource, as any method a resource does not take). Of the ACL reports,
//! `acl-principal-prop-set` (RFC 3744 9.2) answers on those collections to whoever may
//! read the ACL (403np to other callers who see them), `principal-match` with `DAV:self`
//! (9.3) on them and on the principal collections to whoever sees them; elsewhere both
//! are 403sr.
//! The principal collections, the homes and the root are per caller (the outsider gets
//! his own context's); principals of one context do not exist in another.

pub const TABLE: &str = r##"
[dav-root]
#                             owner  stranger viewer readown outsider anonymous
OPTIONS                       200    200      200    200     200      200
GET                           405    405      405    405     405      401
HEAD                          405    405      405    405     405      401
PUT                           405    405      405    405     405      401
DELETE                        405    405      405    405     405      401
PROPFIND:0                    207    207      207    207     207      401
PROPFIND:1                    207    207      207    207     207      401
PROPPATCH                     405    405      405    405     405      401
REPORT:calendar-multiget      403sr  403sr    403sr  403sr   403sr    401
REPORT:calendar-query         403sr  403sr    403sr  403sr   403sr    401
REPORT:sync-collection        403sr  403sr    403sr  403sr   403sr    401
REPORT:free-busy-query        403sr  403sr    403sr  403sr   403sr    401
REPORT:addressbook-multiget   403sr  403sr    403sr  403sr   403sr    401
REPORT:addressbook-query      403sr  403sr    403sr  403sr   403sr    401
REPORT:expand-property        207    207      207    207     207      401
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

[principals]
#                             owner  stranger viewer readown outsider anonymous
OPTIONS                       200    200      200    200     200      200
GET                           405    405      405    405     405      401
HEAD                          405    405      405    405     405      401
PUT                           405    405      405    405     405      401
DELETE                        405    405      405    405     405      401
PROPFIND:0                    207    207      207    207     207      401
PROPFIND:1                    207    207      207    207     207      401
PROPPATCH                     405    405      405    405     405      401
REPORT:calendar-multiget      403sr  403sr    403sr  403sr   403sr    401
REPORT:calendar-query         403sr  403sr    403sr  403sr   403sr    401
REPORT:sync-collection        403sr  403sr    403sr  403sr   403sr    401
REPORT:free-busy-query        403sr  403sr    403sr  403sr   403sr    401
REPORT:addressbook-multiget   403sr  403sr    403sr  403sr   403sr    401
REPORT:addressbook-query      403sr  403sr    403sr  403sr   403sr    401
REPORT:expand-property        207    207      207    207     207      401
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
REPORT:principal-match        207    207      207    207     207      401

[user-principals]
# Depth 1 lists the users of the caller's context only.
#                             owner  stranger viewer readown outsider anonymous
OPTIONS                       200    200      200    200     200      200
GET                           405    405      405    405     405      401
HEAD                          405    405      405    405     405      401
PUT                           405    405      405    405     405      401
DELETE                        405    405      405    405     405      401
PROPFIND:0                    207    207      207    207     207      401
PROPFIND:1                    207    207      207    207     207      401
PROPPATCH                     405    405      405    405     405      401
REPORT:calendar-multiget      403sr  403sr    403sr  403sr   403sr    401
REPORT:calendar-query         403sr  403sr    403sr  403sr   403sr    401
REPORT:sync-collection        403sr  403sr    403sr  403sr   403sr    401
REPORT:free-busy-query        403sr  403sr    403sr  403sr   403sr    401
REPORT:addressbook-multiget   403sr  403sr    403sr  403sr   403sr    401
REPORT:addressbook-query      403sr  403sr    403sr  403sr   403sr    401
REPORT:expand-property        207    207      207    207     207      401
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
REPORT:principal-match        207    207      207    207     207      401

[principal-of-owner]
# alice's principal: every user of her context may look her up (OX), nobody else.
#                             owner  stranger viewer readown outsider anonymous
OPTIONS                       200    200      200    200     404      200
GET                           405    405      405    405     404      401
HEAD                          405    405      405    405     404      401
PUT                           405    405      405    405     404      401
DELETE                        405    405      405    405     404      401
PROPFIND:0                    207    207      207    207     404      401
PROPFIND:1                    207    207      207    207     404      401
PROPPATCH                     405    405      405    405     404      401
REPORT:calendar-multiget      403sr  403sr    403sr  403sr   404      401
REPORT:calendar-query         403sr  403sr    403sr  403sr   404      401
REPORT:sync-collection        403sr  403sr    403sr  403sr   404      401
REPORT:free-busy-query        403sr  403sr    403sr  403sr   404      401
REPORT:addressbook-multiget   403sr  403sr    403sr  403sr   404      401
REPORT:addressbook-query      403sr  403sr    403sr  403sr   404      401
REPORT:expand-property        207    207      207    207     404      401
REPORT:unknown                403sr  403sr    403sr  403sr   404      401
MKCOL                         405    405      405    405     404      401
MKCALENDAR                    403rn  403rn    403rn  403rn   404      401
COPY                          405    405      405    405     404      401
MOVE                          405    405      405    405     404      401
LOCK                          501    501      501    501     501      401
UNLOCK                        501    501      501    501     501      401
POST                          405    405      405    405     404      401
PATCH                         501    501      501    501     501      401
FROBNICATE                    501    501      501    501     501      401
ACL                           405    405      405    405     404      401
REPORT:acl-principal-prop-set 403sr  403sr    403sr  403sr   404      401
REPORT:principal-match        403sr  403sr    403sr  403sr   404      401

[principal-of-stranger]
# bob's principal: another user's principal for everyone but bob.
#                             owner  stranger viewer readown outsider anonymous
OPTIONS                       200    200      200    200     404      200
GET                           405    405      405    405     404      401
HEAD                          405    405      405    405     404      401
PUT                           405    405      405    405     404      401
DELETE                        405    405      405    405     404      401
PROPFIND:0                    207    207      207    207     404      401
PROPFIND:1                    207    207      207    207     404      401
PROPPATCH                     405    405      405    405     404      401
REPORT:calendar-multiget      403sr  403sr    403sr  403sr   404      401
REPORT:calendar-query         403sr  403sr    403sr  403sr   404      401
REPORT:sync-collection        403sr  403sr    403sr  403sr   404      401
REPORT:free-busy-query        403sr  403sr    403sr  403sr   404      401
REPORT:addressbook-multiget   403sr  403sr    403sr  403sr   404      401
REPORT:addressbook-query      403sr  403sr    403sr  403sr   404      401
REPORT:expand-property        207    207      207    207     404      401
REPORT:unknown                403sr  403sr    403sr  403sr   404      401
MKCOL                         405    405      405    405     404      401
MKCALENDAR                    403rn  403rn    403rn  403rn   404      401
COPY                          405    405      405    405     404      401
MOVE                          405    405      405    405     404      401
LOCK                          501    501      501    501     501      401
UNLOCK                        501    501      501    501     501      401
POST                          405    405      405    405     404      401
PATCH                         501    501      501    501     501      401
FROBNICATE                    501    501      501    501     501      401
ACL                           405    405      405    405     404      401
REPORT:acl-principal-prop-set 403sr  403sr    403sr  403sr   404      401
REPORT:principal-match        403sr  403sr    403sr  403sr   404      401

[proxy-write-of-owner]
# alice's calendar-proxy-write group (calendar delegation): a principal like hers, whose
# members only alice changes (PROPPATCH of DAV:group-member-set; the matrix's body sets
# properties a group does not have, so even hers changes nothing: 207 with 403s).
#                             owner  stranger viewer readown outsider anonymous
OPTIONS                       200    200      200    200     404      200
GET                           405    405      405    405     404      401
HEAD                          405    405      405    405     404      401
PUT                           405    405      405    405     404      401
DELETE                        405    405      405    405     404      401
PROPFIND:0                    207    207      207    207     404      401
PROPFIND:1                    207    207      207    207     404      401
PROPPATCH                     207    403np    403np  403np   404      401
REPORT:calendar-multiget      403sr  403sr    403sr  403sr   404      401
REPORT:calendar-query         403sr  403sr    403sr  403sr   404      401
REPORT:sync-collection        403sr  403sr    403sr  403sr   404      401
REPORT:free-busy-query        403sr  403sr    403sr  403sr   404      401
REPORT:addressbook-multiget   403sr  403sr    403sr  403sr   404      401
REPORT:addressbook-query      403sr  403sr    403sr  403sr   404      401
REPORT:expand-property        207    207      207    207     404      401
REPORT:unknown                403sr  403sr    403sr  403sr   404      401
MKCOL                         405    405      405    405     404      401
MKCALENDAR                    403rn  403rn    403rn  403rn   404      401
COPY                          405    405      405    405     404      401
MOVE                          405    405      405    405     404      401
LOCK                          501    501      501    501     501      401
UNLOCK                        501    501      501    501     501      401
POST                          405    405      405    405     404      401
PATCH                         501    501      501    501     501      401
FROBNICATE                    501    501      501    501     501      401
ACL                           405    405      405    405     404      401
REPORT:acl-principal-prop-set 403sr  403sr    403sr  403sr   404      401
REPORT:principal-match        403sr  403sr    403sr  403sr   404      401

[calendar-home]
# Every caller's own home; Depth 1 lists only the calendars the caller may see.
#                             owner  stranger viewer readown outsider anonymous
OPTIONS                       200    200      200    200     200      200
GET                           405    405      405    405     405      401
HEAD                          405    405      405    405     405      401
PUT                           405    405      405    405     405      401
DELETE                        405    405      405    405     405      401
PROPFIND:0                    207    207      207    207     207      401
PROPFIND:1                    207    207      207    207     207      401
PROPPATCH                     405    405      405    405     405      401
REPORT:calendar-multiget      207    207      207    207     207      401
REPORT:calendar-query         403sr  403sr    403sr  403sr   403sr    401
REPORT:sync-collection        403sr  403sr    403sr  403sr   403sr    401
REPORT:free-busy-query        403sr  403sr    403sr  403sr   403sr    401
REPORT:addressbook-multiget   403sr  403sr    403sr  403sr   403sr    401
REPORT:addressbook-query      403sr  403sr    403sr  403sr   403sr    401
REPORT:expand-property        207    207      207    207     207      401
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

[addressbook-home]
#                             owner  stranger viewer readown outsider anonymous
OPTIONS                       200    200      200    200     200      200
GET                           405    405      405    405     405      401
HEAD                          405    405      405    405     405      401
PUT                           405    405      405    405     405      401
DELETE                        405    405      405    405     405      401
PROPFIND:0                    207    207      207    207     207      401
PROPFIND:1                    207    207      207    207     207      401
PROPPATCH                     405    405      405    405     405      401
REPORT:calendar-multiget      403sr  403sr    403sr  403sr   403sr    401
REPORT:calendar-query         403sr  403sr    403sr  403sr   403sr    401
REPORT:sync-collection        403sr  403sr    403sr  403sr   403sr    401
REPORT:free-busy-query        403sr  403sr    403sr  403sr   403sr    401
REPORT:addressbook-multiget   207    207      207    207     207      401
REPORT:addressbook-query      403sr  403sr    403sr  403sr   403sr    401
REPORT:expand-property        207    207      207    207     207      401
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
"##;
