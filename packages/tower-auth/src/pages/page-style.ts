/**
 * The pages' one stylesheet, inlined under the response's CSP nonce (one request per page, no
 * third-party font or image). Colours keep a contrast of at least 4.5:1; focus is always
 * visible; the layout holds at 320 px.
 */
export const PAGE_STYLE = `
[hidden] { display: none !important; }
body { font-family: system-ui, sans-serif; background: #f5f6f8; color: #1f2328; margin: 0; }
main { max-width: 26rem; margin: 10vh auto; background: #fff; padding: 2rem; border-radius: 10px;
  box-shadow: 0 1px 4px rgba(0, 0, 0, .12); }
main.wide { max-width: 64rem; margin: 4vh auto; }
@media (max-width: 30rem) { main { margin: 0; padding: 1.25rem; border-radius: 0; } }
h1 { font-size: 1.35rem; margin: 0 0 1rem; }
h2 { font-size: 1.1rem; margin: 1.75rem 0 .75rem; }
h1:focus { outline: none; }
p { line-height: 1.5; }
a { color: #0b57d0; }
button, .button { display: block; width: 100%; box-sizing: border-box; padding: .7rem; margin: .6rem 0;
  border: 0; border-radius: 6px; background: #1f6feb; color: #fff; font: inherit; font-size: 1rem;
  text-align: center; text-decoration: none; cursor: pointer; }
button:disabled { opacity: .6; cursor: progress; }
.secondary { background: #424a53; }
.danger { background: #b42318; }
:focus-visible { outline: 3px solid #0b57d0; outline-offset: 2px; }
button:focus-visible, .button:focus-visible { outline-color: #1f2328; }
label { display: block; margin: 1rem 0 .3rem; font-weight: 600; }
input { width: 100%; box-sizing: border-box; padding: .6rem; font: inherit; font-size: 1rem;
  border: 1px solid #6e7781; border-radius: 6px; }
.note { color: #57606a; font-size: .9rem; }
.error { color: #b42318; }
.live:empty { margin: 0; }
.divider { text-align: center; color: #57606a; margin: 1rem 0 0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .4rem 1rem; margin: 0 0 1rem; }
dt { font-weight: 600; }
dd { margin: 0; overflow-wrap: anywhere; }
.inline { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; }
.inline label { flex-basis: 100%; margin: 0; }
.inline input { flex: 1 1 12rem; width: auto; }
.inline button, .pager button, td button { width: auto; margin: 0; padding: .45rem .9rem; }
.pager { display: flex; gap: .5rem; margin: .5rem 0; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: .45rem .5rem; border-bottom: 1px solid #d0d7de; vertical-align: top; }
td code { font-size: .8rem; overflow-wrap: anywhere; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%);
  white-space: nowrap; }
`;
