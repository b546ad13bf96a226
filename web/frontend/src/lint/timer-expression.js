// hazardflow/timer-expression: a timer has a duration, date, cycle or ${...} expression.
import { is } from './util.js';

const NUM = '\\d+(?:[.,]\\d+)?';
const DURATION = new RegExp(
  `^P(?!$)(?:${NUM}Y)?(?:${NUM}M)?(?:${NUM}W)?(?:${NUM}D)?(?:T(?=\\d)(?:${NUM}H)?(?:${NUM}M)?(?:${NUM}S)?)?$`
);
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const DATETIME =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)?$/;
const EXPRESSION = /^[$#]\{[\s\S]*\S[\s\S]*\}$/;

export function isDuration(text) {
  return DURATION.test(text) && !/T$/.test(text);
}

export function isDate(text) {
  return DATE.test(text) || DATETIME.test(text);
}

/** R[n]/<start>/<duration>, R[n]/<duration>/<end>, R[n]/<duration> */
export function isCycle(text) {
  const parts = text.split('/');
  if (!/^R\d*$/.test(parts[0]) || parts.length < 2 || parts.length > 3) {
    return false;
  }
  const rest = parts.slice(1);
  if (rest.length === 1) {
    return isDuration(rest[0]);
  }
  return (isDate(rest[0]) && isDuration(rest[1])) || (isDuration(rest[0]) && isDate(rest[1]));
}

export function isValidTimer(body) {
  let text = String(body == null ? '' : body).trim();
  if (EXPRESSION.test(text)) {
    return true;
  }
  const quoted = /^(["'])(.*)\1$/.exec(text);
  if (quoted) {
    text = quoted[2].trim();
  }
  return isDuration(text) || isDate(text) || isCycle(text);
}

const KINDS = ['timeDuration', 'timeDate', 'timeCycle'];

export default function timerExpression() {
  function check(node, reporter) {
    if (!is(node, 'bpmn:Event') || !Array.isArray(node.eventDefinitions)) {
      return;
    }
    for (const definition of node.eventDefinitions) {
      if (!is(definition, 'bpmn:TimerEventDefinition')) {
        continue;
      }
      const set = KINDS.filter((kind) => definition[kind]);
      if (!set.length) {
        reporter.report(node.id, 'Timer has no timeDuration, timeDate or timeCycle');
        continue;
      }
      for (const kind of set) {
        const body = definition[kind].body;
        if (!isValidTimer(body)) {
          reporter.report(node.id, `Timer ${kind} "${String(body == null ? '' : body).trim()}" is not an ` +
            'ISO-8601 duration (P7D, PT4H), date (2026-12-24), cycle (R3/PT10M) or ${...} expression');
        }
      }
    }
  }
  return { check };
}
