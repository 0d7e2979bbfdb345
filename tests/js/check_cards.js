// Parses Adaptive Cards with the official JS renderer (npm `adaptivecards`) and
// reports every parse or validation event. Input on stdin: a JSON array of
// {"name": ..., "card": {...}}. Output on stdout: a JSON array of
// {"name": ..., "events": [messages...]}, one entry per card.
const { JSDOM, VirtualConsole } = require("jsdom");
const dom = new JSDOM("<!doctype html><html><body></body></html>", {
  url: "https://localhost/",
  virtualConsole: new VirtualConsole(),
});
// The renderer expects a browser: expose the DOM's globals, and keep its
// console chatter off stdout, which carries the result.
for (const key of Object.getOwnPropertyNames(dom.window)) {
  if (!(key in global)) {
    try {
      global[key] = dom.window[key];
    } catch (_) {
      // a few getters throw outside a page; the renderer needs none of them
    }
  }
}
global.window = dom.window;
console.log = console.error;
const AC = require("adaptivecards/dist/adaptivecards.js");

// Teams' typeahead search (the People Picker, and the bot's own datasets, which it answers through
// application/search invokes) is `choices.data` of type Data.Query on an Input.ChoiceSet, which Teams
// takes in 1.5 cards and this renderer knows only from 1.6. Its version note is dropped when the card's
// every choices.data is exactly that (a Data.Query on one of these datasets); anything else is reported.
const TYPEAHEAD_NOTE = 'Property "choices.data" is supported in version 1.6, but you are using version 1.5.';
const TYPEAHEAD_DATASETS = ["graph.microsoft.com/users", "graph.microsoft.com/users?scope=currentContext",
  "timeZones"]; // timeZones: the set-up form's time zone (dialogs/setup.py answers it)

function choicesData(node, found = []) {
  if (Array.isArray(node)) node.forEach((item) => choicesData(item, found));
  else if (node && typeof node === "object") {
    if ("choices.data" in node) found.push({ data: node["choices.data"], type: node.type });
    Object.values(node).forEach((value) => choicesData(value, found));
  }
  return found;
}

function typeaheadEvents(card) {
  const bad = choicesData(card).filter(({ data, type }) =>
    type !== "Input.ChoiceSet" || !data || data.type !== "Data.Query" || !TYPEAHEAD_DATASETS.includes(data.dataset));
  return bad.map(({ data }) => `typeahead: not a Teams People Picker or one of the bot's datasets: ${JSON.stringify(data)}`);
}

function check(card) {
  const events = typeaheadEvents(card);
  const pickersOk = events.length === 0;
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  const adaptiveCard = new AC.AdaptiveCard();
  adaptiveCard.parse(card, context);
  for (let i = 0; i < context.eventCount; i++) {
    const e = context.getEventAt(i);
    if (pickersOk && e.message === TYPEAHEAD_NOTE) continue;
    events.push(`parse: ${e.message}`);
  }
  const validation = adaptiveCard.validateProperties();
  for (const e of validation.validationEvents) {
    events.push(`validate: ${e.message}`);
  }
  if (!adaptiveCard.render()) events.push("render: card did not render");
  return events;
}

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const cards = JSON.parse(input);
  const results = cards.map(({ name, card }) => {
    try {
      return { name, events: check(card) };
    } catch (err) {
      return { name, events: [`exception: ${err.message}`] };
    }
  });
  process.stdout.write(JSON.stringify(results));
});
