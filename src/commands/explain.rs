//! `kubeward explain RULE`: a rule's documentation page, built-in or custom.

use crate::cli::ExplainArgs;
use crate::docs;
use crate::error::Error;
use crate::rule::registry;

use super::{EXIT_OK, all_rules, to_stdout};

pub(super) fn explain(args: &ExplainArgs) -> Result<u8, Error> {
    let rules = all_rules(args.config.as_deref())?;
    let found = registry::by_id(&args.rule)
        .or_else(|| rules.iter().copied().find(|r| r.meta().id == args.rule));
    match found {
        Some(r) => to_stdout(&format!("{}\n", docs::rule_markdown(r.meta()))).map(|()| EXIT_OK),
        None => Err(Error::unknown_rule(&args.rule, false)),
    }
}
