//! Render, pagination: the `stream()` method of a paginated operation's request
//! builder, which hands the runtime's `paginate` streams a closure that sends the
//! builder once per page with the position set.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::{rust_type, value_ident};
use crate::ir::{Operation, Pagination, PaginationStyle, ResponseBody, TypeRef};

/// `pub fn stream(self) -> …Stream<'a, Item>` for the builder of `op`, when it pages.
pub fn render_stream(op: &Operation, builder: &Ident) -> Option<TokenStream> {
    let pagination = op.pagination.as_ref()?;
    let param = value_ident(&pagination.param);
    let wire = op
        .params
        .iter()
        .find(|p| p.rust_name == pagination.param)
        .map_or(pagination.param.plain(), |p| p.wire_name.as_str());
    let item = rust_type(&pagination.item);
    let bounds = send_bounds(op);
    let id = &op.id;
    // An envelope whose `result` may be null or absent: no items on that page.
    let items = match &op.response.body {
        ResponseBody::Envelope(Some(TypeRef::Nullable(_))) => {
            quote!(response.result.unwrap_or_default())
        }
        _ => quote!(response.result),
    };
    Some(match &pagination.style {
        PaginationStyle::Cursor { pointer } => {
            let doc = cursor_doc(wire, pointer);
            quote! {
                #doc
                pub fn stream(self) -> ::cfgen_runtime::paginate::CursorStream<'a, #item> #bounds {
                    let start = self.#param.unwrap_or_default().to_owned();
                    ::cfgen_runtime::paginate::CursorStream::new(#id, move |position: ::std::option::Option<::std::string::String>| {
                        let request = self.clone();
                        async move {
                            let response = #builder { #param: position.as_deref(), ..request }
                                .send_with_response()
                                .await?;
                            let next = ::cfgen_runtime::paginate::cursor_at(#id, response.result_info.as_ref(), #pointer)?;
                            ::std::result::Result::Ok(::cfgen_runtime::paginate::CursorPage::new(#items, next))
                        }
                    })
                    .resume_from(start)
                }
            }
        }
        PaginationStyle::PageNumber => render_pages(op, pagination, builder, &item, &items, wire),
    })
}

/// `stream()` over page numbers; the page parameter may be any numeric type.
fn render_pages(
    op: &Operation,
    pagination: &Pagination,
    builder: &Ident,
    item: &TokenStream,
    items: &TokenStream,
    wire: &str,
) -> TokenStream {
    let param = value_ident(&pagination.param);
    let ty = op
        .params
        .iter()
        .find(|p| p.rust_name == pagination.param)
        .map_or(TypeRef::Unsigned, |p| p.ty.clone());
    // How the builder's page becomes the first page, and a page number the field.
    let (start, bind, value) = match ty {
        TypeRef::Integer => (
            quote!(map_or(1, |page| page.max(1) as u64)),
            None,
            quote!(page as i64),
        ),
        TypeRef::Number => (
            quote!(map_or(1, |page| page as u64)),
            None,
            quote!(page as f64),
        ),
        TypeRef::String => (
            quote!(map_or(1, |page| page.parse::<u64>().unwrap_or(1))),
            Some(quote!(let page = page.to_string();)),
            quote!(page.as_str()),
        ),
        _ => (quote!(unwrap_or(1)), None, quote!(page)),
    };
    let id = &op.id;
    let bounds = send_bounds(op);
    let doc = pages_doc(wire);
    quote! {
        #doc
        pub fn stream(self) -> ::cfgen_runtime::paginate::PageStream<'a, #item> #bounds {
            let start = self.#param.#start;
            ::cfgen_runtime::paginate::PageStream::new(#id, move |page: u64| {
                let request = self.clone();
                async move {
                    #bind
                    let response = #builder { #param: ::std::option::Option::Some(#value), ..request }
                        .send_with_response()
                        .await?;
                    let info = ::cfgen_runtime::paginate::PageInfo::from_result_info(response.result_info.as_ref());
                    ::std::result::Result::Ok(::cfgen_runtime::paginate::NumberedPage::new(#items, info))
                }
            })
            .resume_from(start)
        }
    }
}

/// A builder generic over the string type of a list body holds `&[S]`: it is cloned
/// for each page only when `S` is `Clone`, and the page futures are `Send` only when
/// `S` is `Sync`.
fn send_bounds(op: &Operation) -> TokenStream {
    let string_list = op
        .body
        .as_ref()
        .is_some_and(|b| matches!(&b.ty, TypeRef::Array(item) if **item == TypeRef::String));
    match string_list {
        true => quote!(where S: ::std::clone::Clone + ::std::marker::Sync),
        false => TokenStream::new(),
    }
}

fn cursor_doc(wire: &str, pointer: &str) -> TokenStream {
    let text = format!(
        " Every item of every page, as a stream: each page is one request with these \
         parameters (so the client's retries and rate limit apply to each), and the \
         cursor at `result_info{pointer}` of each answer is sent back as `{wire}`, \
         exactly as received. The stream ends after a page without a cursor (or with an \
         empty one); a cursor the server sent before ends it with \
         [`Error::Pagination`](::cfgen_runtime::Error::Pagination) instead of a loop.\n\n \
         Starts from the cursor set on this request, if any: save the stream's \
         [`position`](::cfgen_runtime::paginate::CursorStream::position) to resume later."
    );
    quote!(#[doc = #text])
}

fn pages_doc(wire: &str) -> TokenStream {
    let text = format!(
        " Every item of every page, as a stream: each page is one request with these \
         parameters and `{wire}` set to 1, 2, 3, … (so the client's retries and rate \
         limit apply to each), until `result_info` shows the last page. A server that \
         answers another page than asked, or never stops, ends it with \
         [`Error::Pagination`](::cfgen_runtime::Error::Pagination).\n\n Starts from the \
         page set on this request, if any."
    );
    quote!(#[doc = #text])
}
