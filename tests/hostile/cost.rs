//! (to be written: see SECURITY.md)
