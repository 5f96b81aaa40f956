// Starts GraphiQL on /graphql with the example queries as tabs. A `query`
// parameter in the address (as the overview page's links carry) opens first.
(function () {
  var params = new URLSearchParams(window.location.search);
  var linked = params.get("query");
  var tabs = window.RIGHTS_GRAPH_EXAMPLES.map(function (example) {
    return { query: example.query };
  });
  var props = {
    fetcher: GraphiQL.createFetcher({ url: "/graphql" }),
    defaultTabs: tabs,
    defaultEditorToolsVisibility: "headers",
    isHeadersEditorEnabled: true,
    // API keys typed into the headers editor are not written to the browser's storage.
    shouldPersistHeaders: false,
  };
  if (linked) {
    props.defaultTabs = [{ query: linked }].concat(tabs);
    props.query = linked;
  }
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, props));
})();
