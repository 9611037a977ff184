//! `withTags` expressions of contextSets: tags combined with `!`, `&`, `|` and
//! parentheses, binding in that order; tags match case-sensitively.

use std::collections::BTreeSet;
use std::fmt;

/// A parsed `withTags` expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagExpr {
    /// True when the tag is present.
    Tag(String),
    /// True when the inner expression is false.
    Not(Box<TagExpr>),
    /// True when both sides are.
    And(Box<TagExpr>, Box<TagExpr>),
    /// True when either side is.
    Or(Box<TagExpr>, Box<TagExpr>),
}

/// Why a `withTags` expression could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagExprError {
    /// What was wrong.
    pub message: String,
    /// Character offset in the expression where it was noticed.
    pub position: usize,
}

impl fmt::Display for TagExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at character {}", self.message, self.position + 1)
    }
}

impl std::error::Error for TagExprError {}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Tag(String),
    Not,
    And,
    Or,
    Open,
    Close,
}

fn is_operator(c: char) -> bool {
    matches!(c, '!' | '&' | '|' | '(' | ')')
}

fn tokenize(input: &str) -> Vec<(usize, Token)> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let token = match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '!' => Token::Not,
            '&' => Token::And,
            '|' => Token::Or,
            '(' => Token::Open,
            ')' => Token::Close,
            _ => {
                let start = i;
                while i < chars.len() && !chars[i].is_whitespace() && !is_operator(chars[i]) {
                    i += 1;
                }
                tokens.push((start, Token::Tag(chars[start..i].iter().collect())));
                continue;
            }
        };
        tokens.push((i, token));
        i += 1;
    }
    tokens
}

struct Parser {
    tokens: Vec<(usize, Token)>,
    next: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next).map(|(_, t)| t)
    }

    fn position(&self) -> usize {
        self.tokens.get(self.next).map_or(self.end, |(p, _)| *p)
    }

    fn error(&self, message: impl Into<String>) -> TagExprError {
        TagExprError {
            message: message.into(),
            position: self.position(),
        }
    }

    fn or(&mut self) -> Result<TagExpr, TagExprError> {
        let mut left = self.and()?;
        while self.peek() == Some(&Token::Or) {
            self.next += 1;
            left = TagExpr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<TagExpr, TagExprError> {
        let mut left = self.not()?;
        while self.peek() == Some(&Token::And) {
            self.next += 1;
            left = TagExpr::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<TagExpr, TagExprError> {
        if self.peek() == Some(&Token::Not) {
            self.next += 1;
            return Ok(TagExpr::Not(Box::new(self.not()?)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<TagExpr, TagExprError> {
        match self.peek().cloned() {
            Some(Token::Tag(tag)) => {
                self.next += 1;
                Ok(TagExpr::Tag(tag))
            }
            Some(Token::Open) => {
                let open = self.position();
                self.next += 1;
                let inner = self.or()?;
                if self.peek() != Some(&Token::Close) {
                    return Err(TagExprError {
                        message: "unclosed '('".into(),
                        position: open,
                    });
                }
                self.next += 1;
                Ok(inner)
            }
            Some(Token::Close) => Err(self.error("unexpected ')'")),
            Some(Token::And) | Some(Token::Or) => {
                Err(self.error("expected a tag before the operator"))
            }
            Some(Token::Not) => unreachable!("handled by not()"),
            None => Err(self.error("expected a tag, found the end of the expression")),
        }
    }
}

impl TagExpr {
    /// Parses an expression such as `ucInfostore & !(trial | 42)`.
    pub fn parse(input: &str) -> Result<TagExpr, TagExprError> {
        let mut parser = Parser {
            tokens: tokenize(input),
            next: 0,
            end: input.chars().count(),
        };
        if parser.tokens.is_empty() {
            return Err(TagExprError {
                message: "empty expression".into(),
                position: 0,
            });
        }
        let expr = parser.or()?;
        match parser.peek() {
            None => Ok(expr),
            Some(Token::Close) => Err(parser.error("unexpected ')'")),
            Some(_) => Err(parser.error("expected '&' or '|' between tags")),
        }
    }

    /// Whether the expression holds for this set of tags.
    pub fn matches(&self, tags: &BTreeSet<String>) -> bool {
        match self {
            TagExpr::Tag(tag) => tags.contains(tag),
            TagExpr::Not(inner) => !inner.matches(tags),
            TagExpr::And(a, b) => a.matches(tags) && b.matches(tags),
            TagExpr::Or(a, b) => a.matches(tags) || b.matches(tags),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn eval(expr: &str, list: &[&str]) -> bool {
        TagExpr::parse(expr).unwrap().matches(&tags(list))
    }

    #[test]
    fn tags_may_contain_dots_digits_and_dashes() {
        assert_eq!(
            TagExpr::parse("example.com").unwrap(),
            TagExpr::Tag("example.com".into())
        );
        assert!(eval("42", &["42"]));
        assert!(eval("my-brand_1.example", &["my-brand_1.example"]));
        assert!(!eval("ucInfostore", &["ucinfostore"]));
    }

    #[test]
    fn not_binds_tighter_than_and_which_binds_tighter_than_or() {
        // a | b & c == a | (b & c)
        assert!(eval("a | b & c", &["a"]));
        assert!(!eval("a | b & c", &["b"]));
        // !a & b == (!a) & b
        assert!(eval("!a & b", &["b"]));
        assert!(!eval("!a & b", &["a", "b"]));
        assert!(!eval("!a & b", &[]));
        assert_eq!(
            TagExpr::parse("!a&b|c").unwrap(),
            TagExpr::Or(
                Box::new(TagExpr::And(
                    Box::new(TagExpr::Not(Box::new(TagExpr::Tag("a".into())))),
                    Box::new(TagExpr::Tag("b".into())),
                )),
                Box::new(TagExpr::Tag("c".into())),
            )
        );
    }

    #[test]
    fn parentheses_override_precedence() {
        assert!(!eval("(a | b) & c", &["a"]));
        assert!(eval("(a | b) & c", &["b", "c"]));
        assert!(eval("!(a & b)", &["a"]));
        assert!(!eval("!(a & b)", &["a", "b"]));
        assert!(eval("!!a", &["a"]));
        assert!(eval(
            "((ucCalendar))&(ucInfostore|premium)",
            &["ucCalendar", "premium"]
        ));
    }

    #[test]
    fn parse_errors_say_what_and_where() {
        let err = |s: &str| TagExpr::parse(s).unwrap_err().to_string();
        assert_eq!(err(""), "empty expression at character 1");
        assert_eq!(
            err("a & "),
            "expected a tag, found the end of the expression at character 5"
        );
        assert_eq!(err("(a | b"), "unclosed '(' at character 1");
        assert_eq!(
            err("a b"),
            "expected '&' or '|' between tags at character 3"
        );
        assert_eq!(err("a)"), "unexpected ')' at character 2");
        assert_eq!(
            err("| a"),
            "expected a tag before the operator at character 1"
        );
    }
}
