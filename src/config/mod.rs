//! The property cascade: registry, server scope, contextSets, context and user attributes.
