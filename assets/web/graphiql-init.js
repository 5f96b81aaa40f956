// Starts GraphiQL on /graphql with the example queries as tabs, and
// subscriptions over WebSocket. A `query` parameter in the address (as the
// overview page's and the record pages' links carry), with its `variables`,
// opens first.
(function () {
  var params = new URLSearchParams(window.location.search);
  var linked = params.get("query");
  var tabs = window.RIGHTS_GRAPH_EXAMPLES.map(function (example) {
    return { query: example.query };
  });
  var props = {
    // Subscriptions go over a WebSocket to the same address; the headers
    // typed into the headers editor become its connection_init payload,
    // which is where the server reads the API key.
    fetcher: GraphiQL.createFetcher({
      url: "/graphql",
      subscriptionUrl: (window.location.protocol === "https:" ? "wss://" : "ws://") + window.location.host + "/graphql",
    }),
    defaultTabs: tabs,
    defaultEditorToolsVisibility: "headers",
    isHeadersEditorEnabled: true,
    // API keys typed into the headers editor are not written to the browser's storage.
    shouldPersistHeaders: false,
  };
  if (linked) {
    // Pages link their own query with its variables (a JSON object).
    var variables = params.get("variables") || undefined;
    props.defaultTabs = [{ query: linked, variables: variables }].concat(tabs);
    props.query = linked;
    props.variables = variables;
    // A linked query is a one-off view: its tabs are kept for this visit
    // only, so that they neither replace nor mix with the reader's own.
    props.storage = memoryStorage();
  }
  function memoryStorage() {
    var items = {};
    return {
      getItem: function (key) { return Object.prototype.hasOwnProperty.call(items, key) ? items[key] : null; },
      setItem: function (key, value) { items[key] = String(value); },
      removeItem: function (key) { delete items[key]; },
      clear: function () { items = {}; },
      get length() { return Object.keys(items).length; },
    };
  }
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, props));
})();
