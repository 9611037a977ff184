//! What reading one request body may cost: the bounds of `BodyLimits` (elements,
//! attributes, namespace declarations, nesting, and the lists a client sends: properties,
//! hrefs, filters), and the `Cancel` flag that stops a parse whose request has ended.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// How deep elements may nest. No DAV request needs more than about ten levels; a dead
/// property value a client stores rarely more than a few.
pub const MAX_DEPTH: usize = 64;

/// The bounds of one request body, set from `davgate.limits.*` (see `docs/limits.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyLimits {
    /// XML elements in the whole body.
    pub max_elements: usize,
    /// Attributes of one element, namespace declarations included.
    pub max_attributes_per_element: usize,
    /// Namespace declarations in the whole body.
    pub max_namespace_declarations: usize,
    /// Properties named by one list: a PROPFIND's or REPORT's `prop` or `include`, the
    /// sets and removes of a PROPPATCH, MKCOL or MKCALENDAR, the components and
    /// properties a `calendar-data` or `address-data` selects.
    pub max_properties: usize,
    /// `DAV:href`s of one multiget.
    pub max_hrefs: usize,
    /// Elements inside one calendar-query or addressbook-query `filter`.
    pub max_filter_elements: usize,
}

impl Default for BodyLimits {
    /// The shipped defaults (`config/limits.yml`).
    fn default() -> Self {
        BodyLimits {
            max_elements: 20_000,
            max_attributes_per_element: 32,
            max_namespace_declarations: 500,
            max_properties: 500,
            max_hrefs: 10_000,
            max_filter_elements: 100,
        }
    }
}

impl BodyLimits {
    /// No bound but the nesting depth: for documents davgate wrote itself or read back
    /// from its store, and for answers of other servers that `discover` reads. Parsing
    /// stays linear in the document's size.
    pub const TRUSTED: BodyLimits = BodyLimits {
        max_elements: usize::MAX,
        max_attributes_per_element: usize::MAX,
        max_namespace_declarations: usize::MAX,
        max_properties: usize::MAX,
        max_hrefs: usize::MAX,
        max_filter_elements: usize::MAX,
    };

    /// Err when `count` items of a list go beyond `limit`.
    pub fn check(
        count: usize,
        limit: usize,
        exceeded: fn(usize) -> Exceeded,
    ) -> Result<(), Exceeded> {
        if count > limit {
            Err(exceeded(limit))
        } else {
            Ok(())
        }
    }
}

/// The bound a body goes beyond, with the limit; the client gets 413 with this as the
/// reason, so an administrator reading it knows which setting to change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Exceeded {
    #[error("more than {0} XML elements (davgate.limits.maxXmlElements)")]
    Elements(usize),
    #[error(
        "an element with more than {0} attributes (davgate.limits.maxXmlAttributesPerElement)"
    )]
    AttributesPerElement(usize),
    #[error("more than {0} namespace declarations (davgate.limits.maxXmlNamespaceDeclarations)")]
    NamespaceDeclarations(usize),
    #[error("elements nested deeper than {0} levels")]
    Depth(usize),
    #[error("more than {0} properties named in one list (davgate.limits.maxPropertiesPerRequest)")]
    Properties(usize),
    #[error("more than {0} hrefs (davgate.limits.maxHrefsPerRequest)")]
    Hrefs(usize),
    #[error("a filter of more than {0} elements (davgate.limits.maxFilterElements)")]
    FilterElements(usize),
}

/// Set when the request a parse works for has ended (its client went away, or the request
/// timeout answered it); the parse then stops at its next step.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<CancelState>);

#[derive(Debug, Default)]
struct CancelState {
    cancelled: AtomicBool,
    /// Whether a parse stopped early because of it.
    stopped: AtomicBool,
}

impl Cancel {
    pub fn cancel(&self) {
        self.0.cancelled.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.load(Ordering::Relaxed)
    }

    /// True when cancelled, and remembers that the caller stops its work here.
    pub fn stop_here(&self) -> bool {
        let cancelled = self.is_cancelled();
        if cancelled {
            self.0.stopped.store(true, Ordering::Relaxed);
        }
        cancelled
    }

    /// Whether some work stopped early because of the cancellation.
    pub fn stopped_work(&self) -> bool {
        self.0.stopped.load(Ordering::Relaxed)
    }
}

/// What a body parse may spend: the bounds, and the flag that stops it.
#[derive(Debug, Clone, Default)]
pub struct Budget {
    pub limits: BodyLimits,
    pub cancel: Cancel,
}

impl Budget {
    pub fn new(limits: BodyLimits) -> Self {
        Budget {
            limits,
            cancel: Cancel::default(),
        }
    }

    /// For documents davgate trusts (see [`BodyLimits::TRUSTED`]); never cancelled.
    pub fn trusted() -> Self {
        Budget::new(BodyLimits::TRUSTED)
    }
}
