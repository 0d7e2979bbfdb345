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

function check(card) {
  const events = [];
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  const adaptiveCard = new AC.AdaptiveCard();
  adaptiveCard.parse(card, context);
  for (let i = 0; i < context.eventCount; i++) {
    const e = context.getEventAt(i);
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
