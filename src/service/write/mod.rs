//! The machinery of writes shared by every record kind: drafts validated in
//! full before anything is written, rights and versions checked, one
//! transaction with the audit entry (`editing`).

pub mod editing;
