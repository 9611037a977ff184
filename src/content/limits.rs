//! What one calendar object or vCard may hold when it is written, and how much work one
//! object may cause when it is read: the content settings of `davgate.limits`, handed in
//! by the caller so that this module reads no configuration of its own.

/// Bounds on submitted content and on the evaluation of stored content. Writes check
/// everything; reads check none of the structure (stored data may come from other
/// writers, and every walk over it is iterative) but expand at most `max_instances`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentLimits {
    /// Components inside one another, the outermost (VCALENDAR, VCARD) counting as 1.
    pub max_nesting: usize,
    /// Components in one object, the outermost included.
    pub max_components: usize,
    /// Properties (content lines) directly in one component.
    pub max_properties_per_component: usize,
    /// ATTENDEE properties of one VEVENT, VTODO or VJOURNAL.
    pub max_attendees_per_event: usize,
    /// VALARM components of one VEVENT or VTODO.
    pub max_alarms_per_event: usize,
    /// Octets of a UID: the store indexes UIDs, and an index entry has a size limit.
    pub max_uid_bytes: usize,
    /// Recurrence instances one object is expanded to, for any purpose: the index, a
    /// filter's time range, `expand`, free-busy. At least 1.
    pub max_instances: usize,
}
