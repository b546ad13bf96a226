// The {config, resolver} object bpmn-js-bpmnlint expects, packed by hand with static imports:
// bpmnlint's 'recommended' rules plus hazardflow's own plugin (package bpmnlint-plugin-hazardflow).
// build.mjs checks that every rule of the recommended config is imported here.
import recommended from 'bpmnlint/config/recommended.js';
import adHocSubProcess from 'bpmnlint/rules/ad-hoc-sub-process.js';
import conditionalFlows from 'bpmnlint/rules/conditional-flows.js';
import endEventRequired from 'bpmnlint/rules/end-event-required.js';
import eventBasedGateway from 'bpmnlint/rules/event-based-gateway.js';
import eventSubProcessTypedStartEvent from 'bpmnlint/rules/event-sub-process-typed-start-event.js';
import fakeJoin from 'bpmnlint/rules/fake-join.js';
import globalRule from 'bpmnlint/rules/global.js';
import labelRequired from 'bpmnlint/rules/label-required.js';
import linkEvent from 'bpmnlint/rules/link-event.js';
import noBpmndi from 'bpmnlint/rules/no-bpmndi.js';
import noComplexGateway from 'bpmnlint/rules/no-complex-gateway.js';
import noDisconnected from 'bpmnlint/rules/no-disconnected.js';
import noDuplicateSequenceFlows from 'bpmnlint/rules/no-duplicate-sequence-flows.js';
import noGatewayJoinFork from 'bpmnlint/rules/no-gateway-join-fork.js';
import noImplicitSplit from 'bpmnlint/rules/no-implicit-split.js';
import noImplicitEnd from 'bpmnlint/rules/no-implicit-end.js';
import noImplicitStart from 'bpmnlint/rules/no-implicit-start.js';
import noInclusiveGateway from 'bpmnlint/rules/no-inclusive-gateway.js';
import noOverlappingElements from 'bpmnlint/rules/no-overlapping-elements.js';
import singleBlankStartEvent from 'bpmnlint/rules/single-blank-start-event.js';
import singleEventDefinition from 'bpmnlint/rules/single-event-definition.js';
import startEventRequired from 'bpmnlint/rules/start-event-required.js';
import subProcessBlankStartEvent from 'bpmnlint/rules/sub-process-blank-start-event.js';
import superfluousGateway from 'bpmnlint/rules/superfluous-gateway.js';
import superfluousLabel from 'bpmnlint/rules/superfluous-label.js';
import superfluousTermination from 'bpmnlint/rules/superfluous-termination.js';

import exclusiveGatewayDefault from './exclusive-gateway-default.js';
import timerExpression from './timer-expression.js';
import userTaskAssignmentAndForm from './user-task-assignment-and-form.js';

export const RECOMMENDED_RULES = {
  'ad-hoc-sub-process': adHocSubProcess,
  'conditional-flows': conditionalFlows,
  'end-event-required': endEventRequired,
  'event-based-gateway': eventBasedGateway,
  'event-sub-process-typed-start-event': eventSubProcessTypedStartEvent,
  'fake-join': fakeJoin,
  'global': globalRule,
  'label-required': labelRequired,
  'link-event': linkEvent,
  'no-bpmndi': noBpmndi,
  'no-complex-gateway': noComplexGateway,
  'no-disconnected': noDisconnected,
  'no-duplicate-sequence-flows': noDuplicateSequenceFlows,
  'no-gateway-join-fork': noGatewayJoinFork,
  'no-implicit-split': noImplicitSplit,
  'no-implicit-end': noImplicitEnd,
  'no-implicit-start': noImplicitStart,
  'no-inclusive-gateway': noInclusiveGateway,
  'no-overlapping-elements': noOverlappingElements,
  'single-blank-start-event': singleBlankStartEvent,
  'single-event-definition': singleEventDefinition,
  'start-event-required': startEventRequired,
  'sub-process-blank-start-event': subProcessBlankStartEvent,
  'superfluous-gateway': superfluousGateway,
  'superfluous-label': superfluousLabel,
  'superfluous-termination': superfluousTermination
};

export const HAZARDFLOW_RULES = {
  'user-task-assignment-and-form': userTaskAssignmentAndForm,
  'timer-expression': timerExpression,
  'exclusive-gateway-default': exclusiveGatewayDefault
};

const PLUGIN = 'bpmnlint-plugin-hazardflow';

function cache() {
  const entries = { 'config:bpmnlint/recommended': recommended };
  for (const [name, rule] of Object.entries(RECOMMENDED_RULES)) {
    entries[`rule:bpmnlint/${name}`] = rule;
  }
  for (const [name, rule] of Object.entries(HAZARDFLOW_RULES)) {
    entries[`rule:${PLUGIN}/${name}`] = rule;
  }
  return entries;
}

/** A resolver over the statically imported rules (same contract as bpmnlint's StaticResolver). */
export function createResolver() {
  const entries = cache();
  const resolve = (type, pkg, name) => {
    const found = entries[`${type}:${pkg}/${name}`];
    if (!found) {
      throw new Error(`unknown ${type} <${pkg}/${name}>`);
    }
    return found;
  };
  return {
    resolveRule: (pkg, name) => resolve('rule', pkg, name),
    resolveConfig: (pkg, name) => resolve('config', pkg, name)
  };
}

export const lintConfig = {
  extends: 'bpmnlint:recommended',
  rules: {
    'hazardflow/user-task-assignment-and-form': 'error',
    'hazardflow/timer-expression': 'error',
    'hazardflow/exclusive-gateway-default': 'error'
  }
};

/** The object for bpmn-js-bpmnlint's `linting.bpmnlint` option. */
export function bpmnlintConfig() {
  return { config: lintConfig, resolver: createResolver() };
}
