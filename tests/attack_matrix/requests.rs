//! The request of each cell: the method's headers and a well-formed body, so that what
//! decides the answer is who asks for what, not a malformed request.

use crate::common::caldav::day;
use crate::common::http::{Call, CALDAV, CARDDAV, DAV};
use crate::planting::put_body;
use crate::table::{Caller, Method, Resource};
use crate::world::{World, MATRIX_NS};

const PROPFIND_ALLPROP: &str =
    r#"<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>"#;

/// The live properties a client asks for, plus the dead one the matrix plants.
fn propfind_named() -> String {
    format!(
        r#"<?xml version="1.0"?><D:propfind xmlns:D="{DAV}" xmlns:C="{CALDAV}" xmlns:A="{CARDDAV}" xmlns:CS="http://calendarserver.org/ns/" xmlns:M="{MATRIX_NS}"><D:prop><D:displayname/><D:resourcetype/><D:getetag/><D:getcontenttype/><D:owner/><D:current-user-principal/><D:current-user-privilege-set/><D:sync-token/><CS:getctag/><C:calendar-description/><A:addressbook-description/><C:calendar-home-set/><A:addressbook-home-set/><C:calendar-user-address-set/><D:principal-URL/><M:note/></D:prop></D:propfind>"#
    )
}

fn report_props(data: &str) -> String {
    format!("<D:prop><D:getetag/><D:displayname/>{data}</D:prop>")
}

fn hrefs(list: Vec<String>) -> String {
    list.into_iter()
        .map(|href| format!("<D:href>{href}</D:href>"))
        .collect()
}

/// The request `caller` sends for `method` on `resource` at `path`.
pub fn call<'a>(
    world: &World,
    method: Method,
    resource: Resource,
    caller: Caller,
    path: &'a str,
) -> Call<'a> {
    let call = Call::new(method.verb(), path);
    let namespaces = format!(r#"xmlns:D="{DAV}" xmlns:C="{CALDAV}" xmlns:A="{CARDDAV}""#);
    let xml = |body: String| format!(r#"<?xml version="1.0" encoding="utf-8"?>{body}"#);
    match method {
        Method::Options | Method::Get | Method::Head | Method::Delete | Method::MadeUp => call,
        Method::Post if resource == Resource::ScheduleOutbox => call
            .header("content-type", "text/calendar; charset=utf-8")
            .body(crate::mailboxes::free_busy_request()),
        // On a collection, POST is a sharing request (calendarserver-sharing) giving the
        // stranger read-write access; elsewhere a calendar object or vCard.
        Method::Post if shares(resource) => call.header("content-type", "text/xml").body(xml(
            format!(
                r#"<CS:share {namespaces} xmlns:CS="http://calendarserver.org/ns/"><CS:set><D:href>mailto:bob@example.com</D:href><CS:common-name>Bob</CS:common-name><CS:summary>Matrix</CS:summary><CS:read-write/></CS:set></CS:share>"#
            ),
        )),
        Method::Put | Method::Post => {
            let (content_type, body) = put_body(world, resource);
            call.header("content-type", content_type).body(body)
        }
        Method::Patch => call
            .header("content-type", "text/plain")
            .body("SUMMARY:patched"),
        Method::Propfind0 => call.depth("0").body(PROPFIND_ALLPROP),
        Method::Propfind1 => call.depth("1").body(propfind_named()),
        Method::Proppatch => call.body(xml(format!(
            r#"<D:propertyupdate {namespaces} xmlns:M="{MATRIX_NS}"><D:set><D:prop><D:displayname>Matrix renamed</D:displayname><M:note>matrix-set</M:note></D:prop></D:set></D:propertyupdate>"#
        ))),
        Method::CalendarMultiget => call.depth("1").body(xml(format!(
            "<C:calendar-multiget {namespaces}>{}{}</C:calendar-multiget>",
            report_props("<C:calendar-data/>"),
            hrefs(world.member_hrefs(path, false))
        ))),
        Method::CalendarQuery => call.depth("1").body(xml(format!(
            r#"<C:calendar-query {namespaces}>{}<C:filter><C:comp-filter name="VCALENDAR"/></C:filter></C:calendar-query>"#,
            report_props("<C:calendar-data/>")
        ))),
        Method::SyncCollection => call.body(xml(format!(
            "<D:sync-collection {namespaces}><D:sync-token/><D:sync-level>1</D:sync-level>{}</D:sync-collection>",
            report_props("<C:calendar-data/><A:address-data/>")
        ))),
        Method::FreeBusy => call.depth("1").body(xml(format!(
            r#"<C:free-busy-query {namespaces}><C:time-range start="{}T000000Z" end="{}T000000Z"/></C:free-busy-query>"#,
            day(-30),
            day(60)
        ))),
        Method::AddressbookMultiget => call.depth("1").body(xml(format!(
            "<A:addressbook-multiget {namespaces}>{}{}</A:addressbook-multiget>",
            report_props("<A:address-data/>"),
            hrefs(world.member_hrefs(path, true))
        ))),
        Method::AddressbookQuery => call.depth("1").body(xml(format!(
            r#"<A:addressbook-query {namespaces}>{}<A:filter><A:prop-filter name="FN"/></A:filter></A:addressbook-query>"#,
            report_props("<A:address-data/>")
        ))),
        Method::ExpandProperty => call.body(xml(format!(
            r#"<D:expand-property {namespaces}><D:property name="owner"><D:property name="displayname"/></D:property></D:expand-property>"#
        ))),
        Method::UnknownReport => call.body(xml(format!(
            r#"<M:frobnicate xmlns:M="{MATRIX_NS}"><M:everything/></M:frobnicate>"#
        ))),
        Method::Mkcol => call.body(xml(format!(
            "<D:mkcol {namespaces}><D:set><D:prop><D:resourcetype><D:collection/><C:calendar/></D:resourcetype><D:displayname>Matrix made</D:displayname></D:prop></D:set></D:mkcol>"
        ))),
        Method::Mkcalendar => call.body(xml(format!(
            "<C:mkcalendar {namespaces}><D:set><D:prop><D:displayname>Matrix made</D:displayname></D:prop></D:set></C:mkcalendar>"
        ))),
        Method::Copy | Method::Move => call.header(
            "destination",
            format!("/dav/caldav/{}/matrix-copy.ics", world.copy_target(caller)),
        ),
        Method::Lock => call.header("timeout", "Second-60").body(xml(format!(
            "<D:lockinfo {namespaces}><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>"
        ))),
        // Every user may read: the sharees not named lose their permissions.
        Method::Acl => call.body(xml(format!(
            "<D:acl {namespaces}><D:ace><D:principal><D:authenticated/></D:principal><D:grant><D:privilege><D:read/></D:privilege></D:grant></D:ace></D:acl>"
        ))),
        Method::AclPrincipalPropSet => call.depth("0").body(xml(format!(
            "<D:acl-principal-prop-set {namespaces}><D:prop><D:displayname/></D:prop></D:acl-principal-prop-set>"
        ))),
        Method::PrincipalMatch => call.depth("0").body(xml(format!(
            "<D:principal-match {namespaces}><D:self/><D:prop><D:displayname/></D:prop></D:principal-match>"
        ))),
        Method::Unlock => call.header(
            "lock-token",
            "<urn:uuid:6d0f3c1e-2f6a-4c1b-9a53-0c4e7f1d2b3a>",
        ),
    }
}

/// The collections a POST may share.
fn shares(resource: Resource) -> bool {
    matches!(
        resource,
        Resource::Calendar
            | Resource::TaskList
            | Resource::ForeignCalendar
            | Resource::AddressBook
            | Resource::Aggregated
            | Resource::Gal
            | Resource::ForeignBook
    )
}
