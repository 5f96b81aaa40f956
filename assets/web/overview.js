// The overview page: each chart runs its own GraphQL query against /graphql
// and draws the answer as plain SVG; its link opens that query in GraphiQL.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";

  var charts = [
    {
      id: "defenders-by-status",
      query: "query DefendersByStatus {\n  statistics {\n    defenders {\n      byStatus { key label count }\n    }\n  }\n}\n",
      buckets: function (data) { return data.statistics.defenders.byStatus; },
      draw: bars,
    },
    {
      id: "restrictions-by-state",
      query: "query RestrictionsByUsState {\n  statistics {\n    restrictions(filter: { countryCodes: [\"US\"] }) {\n      bySubdivision { key label count }\n    }\n  }\n}\n",
      buckets: function (data) { return data.statistics.restrictions.bySubdivision; },
      draw: bars,
    },
    {
      id: "restrictions-by-status",
      query: "query RestrictionsByStatus {\n  statistics {\n    restrictions {\n      byStatus { key label count }\n    }\n  }\n}\n",
      buckets: function (data) { return data.statistics.restrictions.byStatus; },
      draw: bars,
    },
    {
      id: "case-event-timeline",
      query: "query CaseEventsPerYear {\n  statistics {\n    defenders {\n      caseEventsOverTime(interval: YEAR) { key count }\n    }\n  }\n}\n",
      buckets: function (data) { return data.statistics.defenders.caseEventsOverTime; },
      draw: columns,
    },
  ];

  var headline = {
    query: "query Headline {\n  statistics {\n    defenders { total }\n    imprisoned: defenders(filter: { statuses: [IMPRISONED] }) { total }\n    restrictions { total }\n    campaigns { total }\n  }\n}\n",
    figures: [
      ["Defenders", function (s) { return s.defenders.total; }],
      ["Imprisoned defenders", function (s) { return s.imprisoned.total; }],
      ["Restrictions", function (s) { return s.restrictions.total; }],
      ["Campaigns", function (s) { return s.campaigns.total; }],
    ],
  };

  function run(query) {
    return fetch("/graphql", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ query: query }),
    }).then(function (response) { return response.json(); }).then(function (body) {
      if (body.errors && body.errors.length) throw new Error(body.errors[0].message);
      return body.data;
    });
  }

  function element(tag, attributes, text) {
    var node = tag.indexOf("svg:") === 0 ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function graphiqlLink(query) {
    return element("a", { class: "query", href: "/graphiql?query=" + encodeURIComponent(query) }, "Open this query in GraphiQL");
  }

  // Horizontal bars, largest first, as the API returns them.
  function bars(section, buckets) {
    var row = 24, labelWidth = 170, width = 440, max = Math.max.apply(null, buckets.map(function (b) { return b.count; }));
    var svg = element("svg:svg", { viewBox: "0 0 " + width + " " + (buckets.length * row + 4), role: "img" });
    buckets.forEach(function (bucket, index) {
      var y = index * row + 2, barWidth = Math.max(2, ((width - labelWidth - 40) * bucket.count) / max);
      svg.appendChild(element("svg:text", { class: "label", x: labelWidth - 6, y: y + 15, "text-anchor": "end" }, bucket.label));
      var bar = element("svg:rect", { class: "bar", x: labelWidth, y: y + 3, width: barWidth, height: row - 8, rx: 2 });
      bar.appendChild(element("svg:title", {}, bucket.label + ": " + bucket.count));
      svg.appendChild(bar);
      svg.appendChild(element("svg:text", { class: "count", x: labelWidth + barWidth + 5, y: y + 15 }, String(bucket.count)));
    });
    section.appendChild(svg);
  }

  // Columns in time order, one per period.
  function columns(section, buckets) {
    var width = 440, height = 180, bottom = 20, max = Math.max.apply(null, buckets.map(function (b) { return b.count; }));
    var step = (width - 20) / buckets.length;
    var svg = element("svg:svg", { viewBox: "0 0 " + width + " " + (height + bottom), role: "img" });
    buckets.forEach(function (bucket, index) {
      var barHeight = max ? ((height - 16) * bucket.count) / max : 0, x = 10 + index * step;
      var barWidth = Math.min(step * 0.7, 48);
      var bar = element("svg:rect", { class: "bar", x: x + (step - barWidth) / 2, y: height - barHeight, width: barWidth, height: barHeight });
      bar.appendChild(element("svg:title", {}, bucket.label + ": " + bucket.count));
      svg.appendChild(bar);
      svg.appendChild(element("svg:text", { class: "count", x: x + step / 2, y: height - barHeight - 3, "text-anchor": "middle" }, String(bucket.count)));
      if (buckets.length <= 12 || index % Math.ceil(buckets.length / 12) === 0) {
        svg.appendChild(element("svg:text", { class: "axis", x: x + step / 2, y: height + 14, "text-anchor": "middle" }, bucket.label));
      }
    });
    section.appendChild(svg);
  }

  function draw(chart) {
    var section = document.getElementById(chart.id);
    return run(chart.query).then(function (data) {
      var buckets = chart.buckets(data);
      if (!buckets.length) section.appendChild(element("p", { class: "empty" }, "No records to count yet."));
      else chart.draw(section, buckets);
    }).catch(function (error) {
      section.appendChild(element("p", { class: "error" }, "Could not load this chart: " + error.message));
    }).then(function () {
      section.appendChild(graphiqlLink(chart.query));
      section.setAttribute("data-loaded", "true");
    });
  }

  function drawHeadline() {
    var section = document.getElementById("headline");
    return run(headline.query).then(function (data) {
      headline.figures.forEach(function (figure) {
        var box = element("div", { class: "figure" });
        box.appendChild(element("div", { class: "value" }, String(figure[1](data.statistics))));
        box.appendChild(element("div", { class: "name" }, figure[0]));
        section.appendChild(box);
      });
    }).catch(function (error) {
      section.appendChild(element("p", { class: "error" }, "Could not load the figures: " + error.message));
    }).then(function () { section.setAttribute("data-loaded", "true"); });
  }

  Promise.all([drawHeadline()].concat(charts.map(draw))).then(function () {
    document.body.setAttribute("data-ready", "true");
  });
})();
