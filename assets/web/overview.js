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
      id: "outcomes",
      query: "query WhatFollowedCampaigns {\n  statistics {\n    outcomes {\n      caveat\n      campaigned { ...figures }\n      comparison { ...figures }\n    }\n  }\n}\n\nfragment figures on OutcomeGroup {\n  released { count outOf medianDays }\n  chargesDropped { count outOf medianDays }\n  sentenceReduced { count outOf medianDays }\n  restrictionsDefeated { count outOf medianDays }\n}\n",
      buckets: function (data) { return [data.statistics.outcomes]; },
      draw: outcomeTable,
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

  // A chart's text alternative: its title and every figure in words.
  function describe(section, buckets) {
    var title = section.querySelector("h2").textContent;
    return title + ": " + buckets.map(function (b) { return b.label + " " + b.count; }).join(", ");
  }

  // Horizontal bars, largest first, as the API returns them.
  function bars(section, buckets) {
    var row = 24, labelWidth = 170, width = 440, max = Math.max.apply(null, buckets.map(function (b) { return b.count; }));
    var svg = element("svg:svg", { viewBox: "0 0 " + width + " " + (buckets.length * row + 4), role: "img", "aria-label": describe(section, buckets) });
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

  // What followed campaigns, beside records without one, with the caveat.
  function outcomeTable(section, found) {
    var outcomes = found[0];
    var rows = [
      ["Defenders released", "released"],
      ["Charges dropped", "chargesDropped"],
      ["Sentences reduced", "sentenceReduced"],
      ["Restrictions defeated, vetoed, enjoined or improved", "restrictionsDefeated"],
    ];
    var cell = function (figure) {
      if (!figure.outOf) return "none to count";
      var text = figure.count + " of " + figure.outOf;
      return figure.medianDays === null ? text : text + ", median " + figure.medianDays + " days";
    };
    var table = element("table", { class: "outcomes" });
    table.appendChild(element("caption", {}, "What followed, from the public records"));
    var head = element("tr");
    ["", "After a campaign", "Without a campaign"].forEach(function (title, i) {
      head.appendChild(element("th", i ? { scope: "col" } : { scope: "col", class: "blank" }, title));
    });
    var thead = element("thead"); thead.appendChild(head); table.appendChild(thead);
    var body = element("tbody");
    rows.forEach(function (row) {
      var tr = element("tr");
      tr.appendChild(element("th", { scope: "row" }, row[0]));
      tr.appendChild(element("td", {}, cell(outcomes.campaigned[row[1]])));
      tr.appendChild(element("td", {}, cell(outcomes.comparison[row[1]])));
      body.appendChild(tr);
    });
    table.appendChild(body);
    section.appendChild(table);
    section.appendChild(element("p", { class: "caveat" }, outcomes.caveat));
  }

  // Columns in time order, one per period.
  function columns(section, buckets) {
    var width = 440, height = 180, bottom = 20, max = Math.max.apply(null, buckets.map(function (b) { return b.count; }));
    var step = (width - 20) / buckets.length;
    var svg = element("svg:svg", { viewBox: "0 0 " + width + " " + (height + bottom), role: "img", "aria-label": describe(section, buckets) });
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

  // The map: a choropleth of defenders or restrictions per country, or of
  // each country's current civic-space rating; restrictions also by U.S.
  // state. Shapes come from the server (/maps/*.json), figures from the API.
  var views = {
    defenders: {
      noun: "defenders",
      map: "/maps/world.json",
      query: "query DefendersPerCountry {\n  statistics {\n    defenders {\n      byCountry { key label count }\n    }\n  }\n}\n",
      figures: function (data) { return counted(data.statistics.defenders.byCountry); },
      page: "/countries/",
    },
    restrictions: {
      noun: "restrictions",
      map: "/maps/world.json",
      query: "query RestrictionsPerCountry {\n  statistics {\n    restrictions {\n      byCountry { key label count }\n    }\n  }\n}\n",
      figures: function (data) { return counted(data.statistics.restrictions.byCountry); },
      page: "/countries/",
    },
    usStates: {
      noun: "restrictions",
      map: "/maps/us-states.json",
      query: "query RestrictionsPerUsState {\n  statistics {\n    restrictions(filter: { countryCodes: [\"US\"] }) {\n      bySubdivision { key label count }\n    }\n  }\n}\n",
      figures: function (data) { return counted(data.statistics.restrictions.bySubdivision); },
      page: "/subdivisions/",
    },
    ratings: {
      noun: "rating",
      map: "/maps/world.json",
      query: "query CurrentCivicSpaceRatings {\n  statistics {\n    ratings {\n      currentByCountry { rating ratedOn country { code name } }\n    }\n  }\n}\n",
      figures: function (data) {
        var figures = {};
        data.statistics.ratings.currentByCountry.forEach(function (r) {
          figures[r.country.code] = { value: RATINGS.indexOf(r.rating), text: words(r.rating) + " since " + r.ratedOn };
        });
        return figures;
      },
      page: "/countries/",
    },
  };
  var RATINGS = ["OPEN", "NARROWED", "OBSTRUCTED", "REPRESSED", "CLOSED"];
  var RATING_COLOURS = ["#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027"];
  var COUNT_COLOURS = ["#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"];

  function words(value) { return value.charAt(0) + value.slice(1).toLowerCase().replace(/_/g, " "); }

  function counted(buckets) {
    var figures = {};
    buckets.forEach(function (b) { figures[b.key] = { value: b.count, text: String(b.count) }; });
    return figures;
  }

  // Up to five classes of counts, each an equal share of the places with data.
  function classes(values) {
    var sorted = values.slice().sort(function (a, b) { return a - b; }), bounds = [];
    for (var i = 1; i <= 5; i++) {
      var upper = sorted[Math.ceil((sorted.length * i) / 5) - 1];
      if (upper !== undefined && bounds.indexOf(upper) < 0) bounds.push(upper);
    }
    return bounds;
  }

  var loaded = {};
  function fetchJson(url) {
    if (!loaded[url]) loaded[url] = fetch(url).then(function (response) { return response.json(); });
    return loaded[url];
  }

  function drawMap(view, target) {
    var section = document.getElementById("world-map");
    section.removeAttribute("data-loaded");
    var frame = document.getElementById("map-frame"), legend = document.getElementById("map-legend");
    var table = document.getElementById("map-table"), info = document.getElementById("map-info");
    return Promise.all([fetchJson(view.map), run(view.query)]).then(function (results) {
      var map = results[0], figures = view.figures(results[1]);
      var rating = view === views.ratings;
      var bounds = rating ? [] : classes(Object.keys(figures).map(function (code) { return figures[code].value; }));
      var colour = function (figure) {
        if (rating) return RATING_COLOURS[figure.value];
        for (var i = 0; i < bounds.length; i++) if (figure.value <= bounds[i]) return COUNT_COLOURS[i + 5 - bounds.length];
        return COUNT_COLOURS[4];
      };
      var describe = function (name, figure) {
        if (!figure) return name + ": " + (rating ? "no rating" : "no " + view.noun);
        if (rating) return name + ": " + figure.text;
        return name + ": " + figure.text + " " + (figure.value === 1 ? view.noun.replace(/s$/, "") : view.noun);
      };
      var svg = element("svg:svg", { viewBox: map.viewBox, id: "map-svg", role: "group", "aria-label": target });
      var rows = [];
      map.shapes.forEach(function (shape) {
        var figure = shape.code ? figures[shape.code] : undefined;
        var label = describe(shape.name, figure);
        var path = element("svg:path", { d: shape.d, class: figure ? "shape" : "shape no-data" });
        path.appendChild(element("svg:title", {}, label));
        if (figure) {
          path.setAttribute("fill", colour(figure));
          var link = element("svg:a", { href: view.page + shape.code, "data-code": shape.code, "aria-label": label, "data-label": label });
          link.appendChild(path);
          svg.appendChild(link);
          rows.push([shape.name, shape.code, figure]);
        } else {
          path.setAttribute("data-label", label);
          svg.appendChild(path);
        }
      });
      frame.replaceChildren(svg);
      // The legend: each class's colour and range, or each rating.
      legend.replaceChildren();
      var entries = rating
        ? RATINGS.map(function (r, i) { return [RATING_COLOURS[i], words(r)]; })
        : bounds.map(function (upper, i) {
            var lower = i === 0 ? (bounds.length ? Math.min.apply(null, Object.keys(figures).map(function (c) { return figures[c].value; })) : 0) : bounds[i - 1] + 1;
            return [COUNT_COLOURS[i + 5 - bounds.length], lower === upper ? String(upper) : lower + "–" + upper];
          });
      entries.push(["#e5e7eb", rating ? "No rating" : "None recorded"]);
      entries.forEach(function (entry) {
        var item = element("li");
        item.appendChild(element("span", { class: "swatch", style: "background:" + entry[0] }));
        item.appendChild(document.createTextNode(entry[1]));
        legend.appendChild(item);
      });
      // The same figures as a table, for screen readers and for copying.
      rows.sort(function (a, b) { return b[2].value - a[2].value || a[0].localeCompare(b[0]); });
      var body = element("tbody");
      rows.forEach(function (row) {
        var tr = element("tr"), th = element("th", { scope: "row" });
        th.appendChild(element("a", { href: view.page + row[1] }, row[0]));
        tr.appendChild(th);
        tr.appendChild(element("td", {}, rating ? row[2].text : String(row[2].value)));
        body.appendChild(tr);
      });
      var head = element("thead"), headRow = element("tr");
      headRow.appendChild(element("th", { scope: "col" }, view.page === "/countries/" ? "Country" : "State"));
      headRow.appendChild(element("th", { scope: "col" }, rating ? "Current rating" : words(view.noun)));
      head.appendChild(headRow);
      var caption = element("caption", {}, target);
      table.replaceChildren(caption, head, body);
      info.textContent = rows.length ? "Point at or tab to a shape for its figure." : "No records to map yet.";
      document.getElementById("map-query").setAttribute("href", "/graphiql?query=" + encodeURIComponent(view.query));
    }).catch(function (error) {
      frame.replaceChildren(element("p", { class: "error" }, "Could not load the map: " + error.message));
    }).then(function () { section.setAttribute("data-loaded", "true"); });
  }

  function setUpMap() {
    var show = document.getElementById("map-show"), where = document.getElementById("map-where");
    var info = document.getElementById("map-info"), frame = document.getElementById("map-frame");
    var current = function () {
      var value = show.value;
      where.disabled = value !== "restrictions";
      if (value === "restrictions" && where.value === "US") return [views.usStates, "Restrictions per U.S. state"];
      if (value === "restrictions") return [views.restrictions, "Restrictions per country"];
      if (value === "ratings") return [views.ratings, "Current civic-space rating per country"];
      return [views.defenders, "Defenders per country"];
    };
    var redraw = function () { var chosen = current(); return drawMap(chosen[0], chosen[1]); };
    // A link may choose the view: /?map=restrictions&in=US (from the U.S. pages).
    var asked = new URLSearchParams(location.search);
    if (["defenders", "restrictions", "ratings"].indexOf(asked.get("map")) >= 0) show.value = asked.get("map");
    if (asked.get("in") === "US") where.value = "US";
    show.addEventListener("change", redraw);
    where.addEventListener("change", redraw);
    // Hover and keyboard focus name the shape and its figure.
    var tell = function (event) {
      var node = event.target.closest ? event.target.closest("[data-label]") : null;
      if (node) info.textContent = node.getAttribute("data-label");
    };
    frame.addEventListener("mouseover", tell);
    frame.addEventListener("focusin", tell);
    return redraw();
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

  Promise.all([drawHeadline(), setUpMap()].concat(charts.map(draw))).then(function () {
    document.body.setAttribute("data-ready", "true");
  });
})();
