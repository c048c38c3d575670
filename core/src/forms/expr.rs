//! The small expression language of form definitions (`relevant`, `constraint`,
//! `calculate`), close to XLSForm's:
//!
//! ```text
//! ${alert_level} = 'rouge' or selected(${categories}, 'VBG-01')
//! . >= 0 and . <= 500                       (`.` is the field being checked)
//! count(${victims}) > 0 and not(${anonymous} = 'yes')
//! ${women} + ${men}
//! ${incident_date} <= today()
//! ```
//!
//! Safe by construction: no loops, no assignment, no access to anything but the record's
//! fields; parsing is bounded (length and nesting) so it cannot overflow the stack; the
//! evaluator has no panicking path (division by zero and type mismatches give `Null`).

use std::fmt;

/// Longest expression accepted, in bytes.
pub const MAX_LEN: usize = 2_000;
/// Deepest nesting accepted (parentheses, operators, calls).
pub const MAX_DEPTH: usize = 40;

/// A parse error at a byte offset of the source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset where the problem was found.
    pub at: usize,
    /// What is wrong, in English (developers and form authors read it).
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at character {}: {}", self.at + 1, self.message)
    }
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    /// `or`
    Or,
    /// `and`
    And,
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `div` or `/`
    Div,
}

/// Functions the language knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    /// `selected(${field}, 'code')`: the choice is selected.
    Selected,
    /// `count_selected(${field})`: how many choices are selected.
    CountSelected,
    /// `count(${repeat})`: how many entries a repeat group has.
    Count,
    /// `today()`: today's date, `YYYY-MM-DD`.
    Today,
    /// `not(x)`
    Not,
    /// `string_length(x)`
    StringLength,
    /// `if(condition, then, else)`
    If,
    /// `choice('x')`: in a `choice_filter`, the choice being considered's `x`.
    Choice,
}

impl Func {
    fn from_name(name: &str) -> Option<(Func, usize)> {
        Some(match name {
            "selected" => (Func::Selected, 2),
            "count_selected" => (Func::CountSelected, 1),
            "count" => (Func::Count, 1),
            "today" => (Func::Today, 0),
            "not" => (Func::Not, 1),
            "string_length" => (Func::StringLength, 1),
            "if" => (Func::If, 3),
            "choice" => (Func::Choice, 1),
            _ => return None,
        })
    }
}

/// A parsed expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A number.
    Num(f64),
    /// A quoted string.
    Str(String),
    /// `true()` / `false()` are written `true` and `false`.
    Bool(bool),
    /// `${name}`
    Field(String),
    /// `.`: the value of the field being checked.
    Current,
    /// `-x`
    Neg(Box<Expr>),
    /// `a op b`
    Bin(BinOp, Box<Expr>, Box<Expr>),
    /// `f(args…)`
    Call(Func, Vec<Expr>),
}

impl Expr {
    /// Every field name the expression reads, in order of appearance (duplicates kept).
    pub fn fields(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_fields(&mut out);
        out
    }

    fn collect_fields<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Expr::Field(name) => out.push(name),
            Expr::Neg(x) => x.collect_fields(out),
            Expr::Bin(_, a, b) => {
                a.collect_fields(out);
                b.collect_fields(out);
            }
            Expr::Call(_, args) => args.iter().for_each(|a| a.collect_fields(out)),
            Expr::Num(_) | Expr::Str(_) | Expr::Bool(_) | Expr::Current => {}
        }
    }
}

/// Parses `src`.
pub fn parse(src: &str) -> Result<Expr, ParseError> {
    if src.len() > MAX_LEN {
        return Err(ParseError {
            at: MAX_LEN,
            message: format!("expression longer than {MAX_LEN} characters"),
        });
    }
    let tokens = lex(src)?;
    let mut p = Parser {
        tokens,
        pos: 0,
        depth: 0,
        end: src.len(),
    };
    let e = p.or()?;
    match p.peek() {
        None => Ok(e),
        Some((at, t)) => Err(ParseError {
            at,
            message: format!("unexpected {} after a complete expression", t.describe()),
        }),
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(f64),
    Str(String),
    Field(String),
    Ident(String),
    Dot,
    LParen,
    RParen,
    Comma,
    Op(&'static str),
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Num(n) => format!("number {n}"),
            Tok::Str(s) => format!("text '{s}'"),
            Tok::Field(f) => format!("field ${{{f}}}"),
            Tok::Ident(i) => format!("'{i}'"),
            Tok::Dot => "'.'".into(),
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
            Tok::Comma => "','".into(),
            Tok::Op(o) => format!("'{o}'"),
        }
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

fn lex(src: &str) -> Result<Vec<(usize, Tok)>, ParseError> {
    let mut out = Vec::new();
    let mut chars = src.char_indices().peekable();
    while let Some(&(at, c)) = chars.peek() {
        let err = |message: String| ParseError { at, message };
        match c {
            ' ' | '\t' | '\n' | '\r' => {
                chars.next();
            }
            '(' | ')' | ',' | '+' | '*' | '/' | '=' => {
                chars.next();
                out.push((
                    at,
                    match c {
                        '(' => Tok::LParen,
                        ')' => Tok::RParen,
                        ',' => Tok::Comma,
                        '+' => Tok::Op("+"),
                        '*' => Tok::Op("*"),
                        '/' => Tok::Op("div"),
                        _ => Tok::Op("="),
                    },
                ));
            }
            '-' => {
                chars.next();
                out.push((at, Tok::Op("-")));
            }
            '!' | '<' | '>' => {
                chars.next();
                let eq = chars.peek().is_some_and(|&(_, n)| n == '=');
                if eq {
                    chars.next();
                }
                let op = match (c, eq) {
                    ('!', true) => "!=",
                    ('!', false) => return Err(err("'!' must be followed by '='".into())),
                    ('<', true) => "<=",
                    ('<', false) => "<",
                    ('>', true) => ">=",
                    _ => ">",
                };
                out.push((at, Tok::Op(op)));
            }
            '\'' | '"' => {
                chars.next();
                let mut s = String::new();
                loop {
                    match chars.next() {
                        Some((_, q)) if q == c => break,
                        Some((_, ch)) => s.push(ch),
                        None => return Err(err("text not closed: a quote is missing".into())),
                    }
                }
                out.push((at, Tok::Str(s)));
            }
            '$' => {
                chars.next();
                if chars.next().map(|(_, b)| b) != Some('{') {
                    return Err(err("'$' must start a field reference like ${name}".into()));
                }
                let mut name = String::new();
                loop {
                    match chars.next() {
                        Some((_, '}')) => break,
                        Some((_, ch)) if is_name_char(ch) => name.push(ch),
                        Some((p, ch)) => {
                            return Err(ParseError {
                                at: p,
                                message: format!("'{ch}' cannot appear in a field name"),
                            })
                        }
                        None => {
                            return Err(err("field reference not closed: '}' is missing".into()))
                        }
                    }
                }
                if name.is_empty() {
                    return Err(err("empty field reference ${}".into()));
                }
                out.push((at, Tok::Field(name)));
            }
            '.' => {
                chars.next();
                if chars.peek().is_some_and(|&(_, n)| n.is_ascii_digit()) {
                    return Err(err("write numbers with a leading digit, e.g. 0.5".into()));
                }
                out.push((at, Tok::Dot));
            }
            c if c.is_ascii_digit() => {
                let mut text = String::new();
                while let Some(&(_, d)) = chars.peek() {
                    if d.is_ascii_digit() || d == '.' {
                        text.push(d);
                        chars.next();
                    } else {
                        break;
                    }
                }
                let n: f64 = text
                    .parse()
                    .map_err(|_| err(format!("'{text}' is not a number")))?;
                out.push((at, Tok::Num(n)));
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let mut name = String::new();
                while let Some(&(_, d)) = chars.peek() {
                    if d.is_ascii_alphanumeric() || d == '_' {
                        name.push(d);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push((at, Tok::Ident(name)));
            }
            other => return Err(err(format!("unexpected character '{other}'"))),
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<(usize, Tok)>,
    pos: usize,
    depth: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<(usize, &Tok)> {
        self.tokens.get(self.pos).map(|(a, t)| (*a, t))
    }

    fn at(&self) -> usize {
        self.peek().map_or(self.end, |(a, _)| a)
    }

    fn next(&mut self) -> Option<(usize, Tok)> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn error<T>(&self, message: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError {
            at: self.at(),
            message: message.into(),
        })
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.error(format!("expression nested deeper than {MAX_DEPTH} levels"));
        }
        Ok(())
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some((_, Tok::Ident(i))) if i == w)
    }

    fn is_op(&self, ops: &[&str]) -> Option<&'static str> {
        match self.peek() {
            Some((_, Tok::Op(o))) if ops.contains(o) => Some(o),
            _ => None,
        }
    }

    fn or(&mut self) -> Result<Expr, ParseError> {
        self.enter()?;
        let mut left = self.and()?;
        while self.is_word("or") {
            self.next();
            let right = self.and()?;
            left = Expr::Bin(BinOp::Or, Box::new(left), Box::new(right));
        }
        self.depth -= 1;
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.comparison()?;
        while self.is_word("and") {
            self.next();
            let right = self.comparison()?;
            left = Expr::Bin(BinOp::And, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn comparison(&mut self) -> Result<Expr, ParseError> {
        let left = self.additive()?;
        let Some(op) = self.is_op(&["=", "!=", "<", "<=", ">", ">="]) else {
            return Ok(left);
        };
        self.next();
        let right = self.additive()?;
        let op = match op {
            "=" => BinOp::Eq,
            "!=" => BinOp::Ne,
            "<" => BinOp::Lt,
            "<=" => BinOp::Le,
            ">" => BinOp::Gt,
            _ => BinOp::Ge,
        };
        if self.is_op(&["=", "!=", "<", "<=", ">", ">="]).is_some() {
            return self.error("comparisons cannot be chained: use 'and'");
        }
        Ok(Expr::Bin(op, Box::new(left), Box::new(right)))
    }

    fn additive(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.multiplicative()?;
        while let Some(op) = self.is_op(&["+", "-"]) {
            self.next();
            let right = self.multiplicative()?;
            let op = if op == "+" { BinOp::Add } else { BinOp::Sub };
            left = Expr::Bin(op, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn multiplicative(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.unary()?;
        loop {
            let op = if self.is_op(&["*"]).is_some() {
                BinOp::Mul
            } else if self.is_op(&["div"]).is_some() || self.is_word("div") {
                BinOp::Div
            } else {
                break;
            };
            self.next();
            let right = self.unary()?;
            left = Expr::Bin(op, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        if self.is_op(&["-"]).is_some() {
            self.next();
            self.enter()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Neg(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        let at = self.at();
        let Some((_, tok)) = self.next() else {
            return Err(ParseError {
                at,
                message: "the expression ends too early: a value is missing".into(),
            });
        };
        match tok {
            Tok::Num(n) => Ok(Expr::Num(n)),
            Tok::Str(s) => Ok(Expr::Str(s)),
            Tok::Field(f) => Ok(Expr::Field(f)),
            Tok::Dot => Ok(Expr::Current),
            Tok::LParen => {
                let e = self.or()?;
                self.expect_close(at)?;
                Ok(e)
            }
            Tok::Ident(name) if name == "true" || name == "false" => {
                // Accept XLSForm's true() and false() too.
                if matches!(self.peek(), Some((_, Tok::LParen))) {
                    self.next();
                    self.expect_close(at)?;
                }
                Ok(Expr::Bool(name == "true"))
            }
            Tok::Ident(name) => {
                let Some((func, arity)) = Func::from_name(&name) else {
                    return Err(ParseError {
                        at,
                        message: format!(
                            "unknown word '{name}' (fields are written ${{name}}; functions: selected, count_selected, count, today, not, string_length, if)"
                        ),
                    });
                };
                if !matches!(self.peek(), Some((_, Tok::LParen))) {
                    return self.error(format!("'{name}' must be followed by '('"));
                }
                self.next();
                self.enter()?;
                let mut args = Vec::new();
                if !matches!(self.peek(), Some((_, Tok::RParen))) {
                    loop {
                        args.push(self.or()?);
                        if matches!(self.peek(), Some((_, Tok::Comma))) {
                            self.next();
                        } else {
                            break;
                        }
                    }
                }
                self.expect_close(at)?;
                self.depth -= 1;
                if args.len() != arity {
                    return Err(ParseError {
                        at,
                        message: format!("{name}() takes {arity} argument(s), not {}", args.len()),
                    });
                }
                if matches!(func, Func::Selected | Func::CountSelected | Func::Count)
                    && !matches!(args[0], Expr::Field(_) | Expr::Current)
                {
                    return Err(ParseError {
                        at,
                        message: format!("{name}() needs a field such as ${{name}} first"),
                    });
                }
                Ok(Expr::Call(func, args))
            }
            other => Err(ParseError {
                at,
                message: format!("unexpected {}: a value is expected here", other.describe()),
            }),
        }
    }

    fn expect_close(&mut self, opened_at: usize) -> Result<(), ParseError> {
        match self.next() {
            Some((_, Tok::RParen)) => Ok(()),
            Some((at, t)) => Err(ParseError {
                at,
                message: format!("expected ')' but found {}", t.describe()),
            }),
            None => Err(ParseError {
                at: opened_at,
                message: "'(' is never closed".into(),
            }),
        }
    }
}

/// A value during evaluation.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Empty answer, or an undefined result (division by zero, a type mismatch).
    Null,
    /// Yes/no.
    Bool(bool),
    /// Any number.
    Num(f64),
    /// Text, a single choice's code, a date `YYYY-MM-DD` or a time `HH:MM`.
    Str(String),
    /// A multiple choice's codes.
    List(Vec<String>),
}

impl Value {
    /// Truthiness as XLSForm has it: empty and zero are false.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Num(n) => *n != 0.0 && !n.is_nan(),
            Value::Str(s) => !s.is_empty(),
            Value::List(l) => !l.is_empty(),
        }
    }

    fn number(&self) -> Option<f64> {
        match self {
            Value::Num(n) if n.is_finite() => Some(*n),
            Value::Str(s) => s.trim().parse().ok().filter(|n: &f64| n.is_finite()),
            Value::Bool(b) => Some(f64::from(u8::from(*b))),
            _ => None,
        }
    }
}

/// What an expression can read.
pub trait Env {
    /// The current answer of field `name` (Null when unanswered or unknown).
    fn field(&self, name: &str) -> Value;
    /// How many entries repeat group `name` has.
    fn repeat_count(&self, name: &str) -> usize;
    /// Today's date, `YYYY-MM-DD`.
    fn today(&self) -> String;
    /// In a `choice_filter`, the considered choice's `name` (Null elsewhere).
    fn choice(&self, _name: &str) -> Value {
        Value::Null
    }
}

/// Evaluates `e`; `current` is the value of `.`. Never panics.
pub fn eval(e: &Expr, env: &dyn Env, current: &Value) -> Value {
    match e {
        Expr::Num(n) => Value::Num(*n),
        Expr::Str(s) => Value::Str(s.clone()),
        Expr::Bool(b) => Value::Bool(*b),
        Expr::Field(f) => env.field(f),
        Expr::Current => current.clone(),
        Expr::Neg(x) => match eval(x, env, current).number() {
            Some(n) => Value::Num(-n),
            None => Value::Null,
        },
        Expr::Bin(BinOp::Or, a, b) => {
            Value::Bool(eval(a, env, current).truthy() || eval(b, env, current).truthy())
        }
        Expr::Bin(BinOp::And, a, b) => {
            Value::Bool(eval(a, env, current).truthy() && eval(b, env, current).truthy())
        }
        Expr::Bin(op, a, b) => binary(*op, eval(a, env, current), eval(b, env, current)),
        Expr::Call(func, args) => call(*func, args, env, current),
    }
}

fn binary(op: BinOp, a: Value, b: Value) -> Value {
    use std::cmp::Ordering;
    let arith = |f: fn(f64, f64) -> f64| match (a.number(), b.number()) {
        (Some(x), Some(y)) => {
            let r = f(x, y);
            if r.is_finite() {
                Value::Num(r)
            } else {
                Value::Null
            }
        }
        _ => Value::Null,
    };
    // Numbers compare as numbers; otherwise as text (dates `YYYY-MM-DD` order correctly).
    let order = || -> Option<Ordering> {
        match (&a, &b) {
            (Value::Null, _) | (_, Value::Null) => None,
            (Value::Str(x), Value::Str(y)) => Some(x.cmp(y)),
            _ => a.number()?.partial_cmp(&b.number()?),
        }
    };
    let equal = || match (&a, &b) {
        (Value::Null, Value::Null) => true,
        (Value::Null, Value::Str(s)) | (Value::Str(s), Value::Null) => s.is_empty(),
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::List(x), Value::List(y)) => x == y,
        (Value::List(l), Value::Str(s)) | (Value::Str(s), Value::List(l)) => {
            l.len() == 1 && l[0] == *s
        }
        _ => order() == Some(Ordering::Equal),
    };
    match op {
        BinOp::Add => arith(|x, y| x + y),
        BinOp::Sub => arith(|x, y| x - y),
        BinOp::Mul => arith(|x, y| x * y),
        BinOp::Div => arith(|x, y| x / y),
        BinOp::Eq => Value::Bool(equal()),
        BinOp::Ne => Value::Bool(!equal()),
        BinOp::Lt => Value::Bool(order() == Some(Ordering::Less)),
        BinOp::Le => Value::Bool(matches!(order(), Some(Ordering::Less | Ordering::Equal))),
        BinOp::Gt => Value::Bool(order() == Some(Ordering::Greater)),
        BinOp::Ge => Value::Bool(matches!(order(), Some(Ordering::Greater | Ordering::Equal))),
        BinOp::Or | BinOp::And => Value::Null, // handled in `eval` (short-circuit)
    }
}

fn call(func: Func, args: &[Expr], env: &dyn Env, current: &Value) -> Value {
    let arg = |i: usize| args.get(i).map_or(Value::Null, |a| eval(a, env, current));
    match func {
        Func::Today => Value::Str(env.today()),
        Func::Not => Value::Bool(!arg(0).truthy()),
        Func::If => {
            if arg(0).truthy() {
                arg(1)
            } else {
                arg(2)
            }
        }
        Func::StringLength => match arg(0) {
            Value::Str(s) => Value::Num(s.chars().count() as f64),
            Value::Null => Value::Num(0.0),
            Value::Num(n) => Value::Num(Value::Num(n).display().chars().count() as f64),
            _ => Value::Null,
        },
        Func::Selected => {
            let Value::Str(code) = arg(1) else {
                return Value::Bool(false);
            };
            Value::Bool(match arg(0) {
                Value::List(l) => l.contains(&code),
                Value::Str(s) => s == code,
                _ => false,
            })
        }
        Func::CountSelected => match arg(0) {
            Value::List(l) => Value::Num(l.len() as f64),
            Value::Str(s) if !s.is_empty() => Value::Num(1.0),
            _ => Value::Num(0.0),
        },
        Func::Choice => match arg(0) {
            Value::Str(name) => env.choice(&name),
            _ => Value::Null,
        },
        Func::Count => match args.first() {
            Some(Expr::Field(name)) => Value::Num(env.repeat_count(name) as f64),
            _ => Value::Num(0.0),
        },
    }
}

impl Value {
    /// The value as text (for `calculate` results shown to the user).
    pub fn display(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Bool(b) => if *b { "true" } else { "false" }.into(),
            Value::Num(n) if n.fract() == 0.0 && n.abs() < 1e15 => (*n as i64).to_string(),
            Value::Num(n) => n.to_string(),
            Value::Str(s) => s.clone(),
            Value::List(l) => l.join(" "),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Rec(HashMap<&'static str, Value>);

    impl Env for Rec {
        fn field(&self, name: &str) -> Value {
            self.0.get(name).cloned().unwrap_or(Value::Null)
        }
        fn repeat_count(&self, name: &str) -> usize {
            if name == "victims" {
                2
            } else {
                0
            }
        }
        fn today(&self) -> String {
            "2026-11-22".into()
        }
    }

    fn rec() -> Rec {
        Rec(HashMap::from([
            ("level", Value::Str("rouge".into())),
            ("cats", Value::List(vec!["VBG-01".into(), "PHY-02".into()])),
            ("women", Value::Num(3.0)),
            ("men", Value::Str("4".into())),
            ("date", Value::Str("2026-11-20".into())),
        ]))
    }

    fn run(src: &str) -> Value {
        eval(&parse(src).unwrap(), &rec(), &Value::Num(12.0))
    }

    #[test]
    fn the_documented_examples_evaluate() {
        assert_eq!(
            run("${level} = 'rouge' or selected(${cats}, 'VBG-01')"),
            Value::Bool(true)
        );
        assert_eq!(run(". >= 0 and . <= 500"), Value::Bool(true));
        assert_eq!(run(". > 20"), Value::Bool(false));
        assert_eq!(
            run("count(${victims}) > 0 and not(${anon} = 'yes')"),
            Value::Bool(true)
        );
        assert_eq!(run("${women} + ${men}"), Value::Num(7.0));
        assert_eq!(run("${date} <= today()"), Value::Bool(true));
        assert_eq!(run("count_selected(${cats})"), Value::Num(2.0));
        assert_eq!(
            run("if(${women} > 2, 'many', 'few')"),
            Value::Str("many".into())
        );
        assert_eq!(run("string_length('Ségou')"), Value::Num(5.0));
        assert_eq!(run("2 + 3 * 4 - 1"), Value::Num(13.0));
        assert_eq!(run("(2 + 3) * 4"), Value::Num(20.0));
        assert_eq!(run("-${women} + 1"), Value::Num(-2.0));
        assert_eq!(run("true() and not(false)"), Value::Bool(true));
    }

    #[test]
    fn empty_answers_and_bad_arithmetic_give_null_not_a_panic() {
        assert_eq!(run("${missing} + 1"), Value::Null);
        assert_eq!(run("1 div 0"), Value::Null);
        assert_eq!(run("'abc' * 2"), Value::Null);
        assert_eq!(run("${missing} = ''"), Value::Bool(true));
        assert_eq!(run("${missing} > 3"), Value::Bool(false));
        assert!(!run("${missing}").truthy());
    }

    #[test]
    fn errors_point_at_the_problem() {
        let at = |src: &str| parse(src).unwrap_err().at;
        assert_eq!(at("${a} = "), 7);
        assert_eq!(at("${a} = = 2"), 7);
        assert_eq!(at("selected(${a} 'x')"), 14);
        assert_eq!(at("'open"), 0);
        assert_eq!(at("${a b}"), 3);
        assert_eq!(at("1 < 2 < 3"), 6);
        assert_eq!(at("foo(1)"), 0);
        assert_eq!(at("(1 + 2"), 0);
        assert_eq!(at("1 @ 2"), 2);
        let e = parse("selected('x', 'y')").unwrap_err();
        assert!(e.message.contains("field"), "{e}");
        let e = parse("today(1)").unwrap_err();
        assert!(e.message.contains("0 argument"), "{e}");
        assert!(parse(&"(".repeat(100))
            .unwrap_err()
            .message
            .contains("nested"));
        assert!(parse(&"1+".repeat(2000)).is_err());
    }

    #[test]
    fn fields_read_are_listed() {
        let e = parse("selected(${a}, 'x') and ${b} + count(${r}) > .").unwrap();
        assert_eq!(e.fields(), vec!["a", "b", "r"]);
    }
}
