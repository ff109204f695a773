//! Parsing and expansion shared by `#[curio::main]` and `#[curio::test]`.
//!
//! Each attribute goes through three steps:
//!
//! 1. [`Config::parse`] reads the attribute arguments (`workers`, `crate`).
//! 2. [`EntryFn`] reads the annotated function, and [`EntryFn::check`] decides
//!    which [`Shape`] it has.
//! 3. [`EntryFn::expand`] writes the synchronous wrapper that hands the body,
//!    as an `async move` block, to `<crate>::__private::run_main` or
//!    `run_test`. A function that cannot be expanded is emitted as written
//!    when it is merely not `async` ([`EntryFn::emit_sync`]), or as a stub
//!    with the same name ([`EntryFn::emit_stub`]).
//!
//! Errors never replace the item. Every problem becomes a `compile_error!`
//! emitted next to the best item that can still be produced, so that rustc
//! reports the real mistake once instead of following it with "`main`
//! function not found" or "use of undeclared function".

use proc_macro2::{Delimiter, Group, Literal, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{braced, AttrStyle, Attribute, Expr, Lit, Meta, Path, Signature, Token, Visibility};

/// Which attribute is being expanded.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `#[curio::main]`: the program's entry point.
    Main,
    /// `#[curio::test]`: a `#[test]` function on a fresh runtime.
    Test,
}

impl Kind {
    /// The attribute as users write it, for error messages.
    fn attribute(self) -> &'static str {
        match self {
            Kind::Main => "#[curio::main]",
            Kind::Test => "#[curio::test]",
        }
    }

    /// The function in `__private` that runs the body.
    fn runner(self) -> &'static str {
        match self {
            Kind::Main => "run_main",
            Kind::Test => "run_test",
        }
    }
}

/// Expands `#[curio::main]` or `#[curio::test]` applied to `item` with `args`.
pub(crate) fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let config = Config::parse(kind, args, &mut errors);

    let entry = match syn::parse2::<EntryFn>(item.clone()) {
        Ok(entry) => entry,
        Err(err) => {
            let msg = format!(
                "the {} attribute applies only to `async fn` items",
                kind.attribute()
            );
            errors.push(syn::Error::new(err.span(), msg));
            return quote!(#item #errors);
        }
    };

    let out = match entry.check(kind, &mut errors) {
        Shape::Async => entry.expand(kind, &config),
        Shape::Sync => entry.emit_sync(kind),
        Shape::Unusable => entry.emit_stub(kind),
    };
    quote!(#out #errors)
}

/// Errors gathered while expanding; they render as `compile_error!` calls.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    /// Records `err`, keeping every earlier one.
    fn push(&mut self, err: syn::Error) {
        match &mut self.0 {
            Some(first) => first.combine(err),
            None => self.0 = Some(err),
        }
    }
}

impl ToTokens for Errors {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        if let Some(err) = &self.0 {
            tokens.extend(err.to_compile_error());
        }
    }
}

/// The attribute arguments, with defaults filled in.
struct Config {
    /// `workers = N`, with the span of `N`; `None` leaves the choice to the runtime.
    workers: Option<(usize, Span)>,
    /// `crate = "path"`; `::curio` by default.
    crate_path: Path,
    /// `start_paused = true` (tests only): the clock starts paused.
    start_paused: Option<bool>,
    /// `seed = N` (tests only): the schedule's seed.
    seed: Option<u64>,
    /// `shuffle = N` (tests only): run the body under `N` seeds.
    shuffle: Option<u64>,
}

impl Config {
    /// Whether the test needs the runner that knows seeds and paused time.
    fn is_extended(&self) -> bool {
        self.start_paused.is_some() || self.seed.is_some() || self.shuffle.is_some()
    }
}

/// The arguments `#[curio::main]` accepts, for the "unknown argument" message.
const ARGUMENTS: &str = "`workers` and `crate`";

/// The arguments `#[curio::test]` accepts.
const TEST_ARGUMENTS: &str = "`workers`, `crate`, `start_paused`, `seed` and `shuffle`";

impl Config {
    /// Parses `args`, recording every problem in `errors` and falling back to
    /// the default for each argument that is wrong.
    fn parse(kind: Kind, args: TokenStream, errors: &mut Errors) -> Config {
        let mut config = Config {
            workers: None,
            crate_path: syn::parse_quote!(::curio),
            start_paused: None,
            seed: None,
            shuffle: None,
        };
        let metas = match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(args) {
            Ok(metas) => metas,
            Err(err) => {
                errors.push(err);
                return config;
            }
        };

        let mut seen_workers = false;
        let mut seen_crate = false;
        let mut seen_paused = false;
        let mut seen_seed = false;
        let mut seen_shuffle = false;
        for meta in metas {
            let name = path_to_string(meta.path());
            let seen = match (name.as_str(), kind) {
                ("workers", _) => &mut seen_workers,
                ("crate", _) => &mut seen_crate,
                ("start_paused", Kind::Test) => &mut seen_paused,
                ("seed", Kind::Test) => &mut seen_seed,
                ("shuffle", Kind::Test) => &mut seen_shuffle,
                _ => {
                    let accepted = match kind {
                        Kind::Main => ARGUMENTS,
                        Kind::Test => TEST_ARGUMENTS,
                    };
                    let msg = format!(
                        "unknown argument `{name}` for {}; the accepted arguments are {accepted}",
                        kind.attribute()
                    );
                    errors.push(syn::Error::new_spanned(meta.path(), msg));
                    continue;
                }
            };
            if std::mem::replace(seen, true) {
                let msg = format!("duplicate `{name}` argument");
                errors.push(syn::Error::new_spanned(meta.path(), msg));
                continue;
            }
            let value = match meta {
                Meta::NameValue(nv) => nv.value,
                other => {
                    let example = match name.as_str() {
                        "workers" => "workers = 4",
                        "start_paused" => "start_paused = true",
                        "seed" => "seed = 42",
                        "shuffle" => "shuffle = 100",
                        _ => "crate = \"my_crate::curio\"",
                    };
                    let msg = format!("`{name}` takes a value, as in `{example}`");
                    errors.push(syn::Error::new_spanned(other, msg));
                    continue;
                }
            };
            if name == "start_paused" {
                match parse_bool(&value, "start_paused") {
                    Ok(b) => config.start_paused = Some(b),
                    Err(err) => errors.push(err),
                }
            } else if name == "seed" {
                match parse_u64(&value, "seed", false) {
                    Ok(n) => config.seed = Some(n),
                    Err(err) => errors.push(err),
                }
            } else if name == "shuffle" {
                match parse_u64(&value, "shuffle", true) {
                    Ok(n) => config.shuffle = Some(n),
                    Err(err) => errors.push(err),
                }
            } else if name == "workers" {
                match parse_workers(&value) {
                    Ok(workers) => config.workers = Some(workers),
                    Err(err) => errors.push(err),
                }
            } else {
                match parse_crate_path(&value) {
                    Ok(path) => config.crate_path = path,
                    Err(err) => errors.push(err),
                }
            }
        }
        config
    }
}

/// Reads `workers = N`, where `N` must be a positive integer literal.
fn parse_workers(value: &Expr) -> syn::Result<(usize, Span)> {
    const MSG: &str = "`workers` must be a positive integer literal";
    match value {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Int(int), ..
        }) => match int.base10_parse::<usize>() {
            Ok(n) if n > 0 => Ok((n, int.span())),
            _ => Err(syn::Error::new_spanned(int, MSG)),
        },
        other => Err(syn::Error::new_spanned(other, MSG)),
    }
}

/// Reads `name = true` or `name = false`.
fn parse_bool(value: &Expr, name: &str) -> syn::Result<bool> {
    match value {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Bool(b), ..
        }) => Ok(b.value),
        other => Err(syn::Error::new_spanned(
            other,
            format!("`{name}` must be `true` or `false`"),
        )),
    }
}

/// Reads `name = N`, an integer literal that fits a `u64` (and is not zero
/// when `positive`).
fn parse_u64(value: &Expr, name: &str, positive: bool) -> syn::Result<u64> {
    let msg = if positive {
        format!("`{name}` must be a positive integer literal")
    } else {
        format!("`{name}` must be an integer literal (a u64)")
    };
    match value {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Int(int), ..
        }) => match int.base10_parse::<u64>() {
            Ok(n) if !positive || n > 0 => Ok(n),
            _ => Err(syn::Error::new_spanned(int, msg)),
        },
        other => Err(syn::Error::new_spanned(other, msg)),
    }
}

/// Reads `crate = "path"`, the path under which the facade is reachable.
fn parse_crate_path(value: &Expr) -> syn::Result<Path> {
    const MSG: &str =
        "`crate` must be a path in a string literal, as in `crate = \"my_crate::curio\"`";
    match value {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        }) => s
            .parse_with(Path::parse_mod_style)
            .map_err(|_| syn::Error::new_spanned(s, MSG)),
        other => Err(syn::Error::new_spanned(other, MSG)),
    }
}

/// Renders `path` as written, without spaces: `a::b`.
fn path_to_string(path: &Path) -> String {
    let segments = path.segments.iter().map(|s| s.ident.to_string());
    let joined = segments.collect::<Vec<_>>().join("::");
    if path.leading_colon.is_some() {
        format!("::{joined}")
    } else {
        joined
    }
}

/// The annotated function, with its body kept as unparsed tokens.
///
/// Leaving the body unparsed keeps the expansion cheap and lets an editor
/// show completions while the body is still incomplete.
struct EntryFn {
    /// Outer attributes (`#[...]` before the function).
    attrs: Vec<Attribute>,
    /// Inner attributes (`#![...]` at the top of the body).
    inner_attrs: Vec<Attribute>,
    /// `pub`, `pub(crate)`, or nothing.
    vis: Visibility,
    /// Everything from `const`/`async`/`fn` to the return type and `where` clause.
    sig: Signature,
    /// The statements of the body, after the inner attributes.
    body: TokenStream,
}

impl Parse for EntryFn {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        let sig = input.parse()?;
        let content;
        braced!(content in input);
        let inner_attrs = content.call(Attribute::parse_inner)?;
        let body = content.parse()?;
        Ok(EntryFn {
            attrs,
            inner_attrs,
            vis,
            sig,
            body,
        })
    }
}

/// Spans inside a function body, used to place the expansion's tokens.
struct BodySpans {
    /// The first token of the expression that gives the body its value.
    tail: Span,
    /// The last token of the body.
    last: Span,
}

/// What can be emitted for a function, once its problems are reported.
enum Shape {
    /// An `async fn` without parameters or generics: the full expansion.
    Async,
    /// A plain `fn` without parameters or generics: emitted as written
    /// (with `#[test]` added for a test).
    Sync,
    /// Parameters or generics: only a stub with the same name can be emitted.
    Unusable,
}

impl EntryFn {
    /// Reports every problem with the function in `errors` and says which
    /// item can still be emitted for it.
    ///
    /// Removes a user-written `#[test]` from a `#[curio::test]` function,
    /// since the expansion adds its own.
    fn check(&self, kind: Kind, errors: &mut Errors) -> Shape {
        let attribute = kind.attribute();
        let sig = &self.sig;
        let mut usable = true;

        if sig.asyncness.is_none() {
            let msg = "the `async` keyword is missing from the function declaration";
            errors.push(syn::Error::new_spanned(sig.fn_token, msg));
        }
        if !sig.inputs.is_empty() {
            let msg = match kind {
                Kind::Main => format!("{attribute} functions cannot take parameters"),
                Kind::Test => "test functions cannot take parameters".to_owned(),
            };
            errors.push(syn::Error::new_spanned(&sig.inputs, msg));
            usable = false;
        }
        if !sig.generics.params.is_empty() {
            let msg = format!("{attribute} functions cannot be generic");
            errors.push(syn::Error::new_spanned(&sig.generics, msg));
            usable = false;
        } else if let Some(where_clause) = &sig.generics.where_clause {
            let msg = format!("{attribute} functions cannot have a `where` clause");
            errors.push(syn::Error::new_spanned(where_clause, msg));
            usable = false;
        }
        if kind == Kind::Test {
            for attr in self.attrs.iter().filter(|a| is_test_attribute(a)) {
                let msg = "#[curio::test] already adds #[test]; remove this attribute";
                errors.push(syn::Error::new_spanned(attr, msg));
            }
        }

        match (usable, sig.asyncness.is_some()) {
            (false, _) => Shape::Unusable,
            (true, true) => Shape::Async,
            (true, false) => Shape::Sync,
        }
    }

    /// The outer attributes to emit, led by `#[test]` for a test, with the
    /// inner attributes of the body turned into outer ones.
    fn attributes(&self, kind: Kind) -> TokenStream {
        let mut out = TokenStream::new();
        if kind == Kind::Test {
            out.extend(quote!(#[::core::prelude::v1::test]));
        }
        for attr in &self.attrs {
            if kind == Kind::Test && is_test_attribute(attr) {
                continue;
            }
            attr.to_tokens(&mut out);
        }
        for attr in &self.inner_attrs {
            let mut attr = attr.clone();
            attr.style = AttrStyle::Outer;
            attr.to_tokens(&mut out);
        }
        out
    }

    /// The full expansion: a synchronous function that runs the body on a runtime.
    fn expand(&self, kind: Kind, config: &Config) -> TokenStream {
        let attrs = self.attributes(kind);
        let vis = &self.vis;
        let mut sig = self.sig.clone();
        sig.asyncness = None;
        let body = &self.body;

        let crate_path = &config.crate_path;
        let runner = format_ident!("{}", kind.runner());
        let workers = match config.workers {
            Some((n, span)) => {
                let mut lit = Literal::usize_unsuffixed(n);
                lit.set_span(span);
                quote_spanned!(span=> ::core::option::Option::Some(#lit))
            }
            None => quote!(::core::option::Option::None),
        };
        // The call spans from the start of the body's tail expression to the
        // end of the body, so that a mismatch between the body's value and
        // the declared return type points at that value rather than at the
        // attribute. The async block keeps the attribute's span: a `Send`
        // error about it reads best there.
        let spans = self.body_spans();
        if kind == Kind::Test && config.is_extended() {
            return self.expand_extended(&attrs, config, workers);
        }
        let block = quote!(async move { #body });
        let mut args = Group::new(Delimiter::Parenthesis, quote!(#workers, #block));
        args.set_span(spans.last);
        let crate_path = respan(crate_path.to_token_stream(), spans.tail);
        let call = quote_spanned!(spans.tail=> #crate_path::__private::#runner #args);
        quote! {
            #attrs
            #vis #sig {
                #call
            }
        }
    }

    /// The expansion of a test with `start_paused`, `seed` or `shuffle`:
    /// the body becomes a closure that makes the future, so the runner can
    /// run it once per seed.
    fn expand_extended(
        &self,
        attrs: &TokenStream,
        config: &Config,
        workers: TokenStream,
    ) -> TokenStream {
        let vis = &self.vis;
        let mut sig = self.sig.clone();
        sig.asyncness = None;
        let body = &self.body;
        let crate_path = &config.crate_path;
        let paused = config.start_paused.unwrap_or(false);
        let option = |v: Option<u64>| match v {
            Some(n) => quote!(::core::option::Option::Some(#n)),
            None => quote!(::core::option::Option::None),
        };
        let seed = option(config.seed);
        let shuffle = option(config.shuffle);
        quote! {
            #attrs
            #vis #sig {
                #crate_path::__private::run_test_with(
                    #crate_path::__private::TestConfig {
                        workers: #workers,
                        start_paused: #paused,
                        seed: #seed,
                        shuffle: #shuffle,
                    },
                    move || async move { #body },
                )
            }
        }
    }

    /// The spans of the start of the body's tail expression (the first token
    /// after the last top-level `;`, or the last token when the body ends
    /// with a `;`) and of the body's last token.
    fn body_spans(&self) -> BodySpans {
        let mut tail = None;
        let mut last = None;
        for token in self.body.clone() {
            let span = token.span();
            if matches!(&token, TokenTree::Punct(p) if p.as_char() == ';') {
                tail = None;
            } else if tail.is_none() {
                tail = Some(span);
            }
            last = Some(span);
        }
        let call_site = Span::call_site();
        BodySpans {
            tail: tail.or(last).unwrap_or(call_site),
            last: last.unwrap_or(call_site),
        }
    }

    /// A plain `fn` whose only problem is the missing `async`: emitted as
    /// written, so its body is still checked and nothing else breaks.
    fn emit_sync(&self, kind: Kind) -> TokenStream {
        let attrs = self.attributes(kind);
        let vis = &self.vis;
        let sig = &self.sig;
        let body = &self.body;
        quote! {
            #attrs
            #vis #sig {
                #body
            }
        }
    }

    /// A function with the same name, no parameters, no generics and a body
    /// that never runs, so the rest of the crate keeps compiling.
    fn emit_stub(&self, kind: Kind) -> TokenStream {
        let attrs = self.attributes(kind);
        let vis = &self.vis;
        let ident = &self.sig.ident;
        // A return type may name the generic parameters being dropped.
        let output = if self.sig.generics.params.is_empty() {
            self.sig.output.to_token_stream()
        } else {
            TokenStream::new()
        };
        quote! {
            #attrs
            #vis fn #ident() #output {
                ::core::unreachable!()
            }
        }
    }
}

/// Whether `attr` is the built-in `#[test]`, however it is spelled.
fn is_test_attribute(attr: &Attribute) -> bool {
    let path = attr.path();
    let Some(last) = path.segments.last() else {
        return false;
    };
    if last.ident != "test" {
        return false;
    }
    // `#[test]`, or a path to it such as `#[::core::prelude::v1::test]`.
    let root = &path.segments[0].ident;
    path.segments.len() == 1 || root == "core" || root == "std"
}

/// Gives every token of `tokens` the span `span`.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            token.set_span(span);
            token
        })
        .collect()
}
