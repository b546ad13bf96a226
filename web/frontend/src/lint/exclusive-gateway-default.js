// hazardflow/exclusive-gateway-default: a splitting exclusive gateway has a default flow.
import { is } from './util.js';

export default function exclusiveGatewayDefault() {
  function check(node, reporter) {
    if (!is(node, 'bpmn:ExclusiveGateway')) {
      return;
    }
    const outgoing = node.outgoing || [];
    if (outgoing.length > 1 && !node.default) {
      reporter.report(node.id, 'Exclusive gateway with several outgoing flows has no default flow');
    }
  }
  return { check };
}
