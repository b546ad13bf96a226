// hazardflow/user-task-assignment-and-form: a user task names who does it and which form.
import { camundaAttr, filled, is } from './util.js';

export default function userTaskAssignmentAndForm() {
  function check(node, reporter) {
    if (!is(node, 'bpmn:UserTask')) {
      return;
    }
    const assigned = ['candidateGroups', 'candidateUsers', 'assignee']
      .some((name) => filled(camundaAttr(node, name)));
    if (!assigned) {
      reporter.report(node.id, 'User task has no assignment: set camunda:candidateGroups or camunda:assignee');
    }
    if (!filled(camundaAttr(node, 'formKey'))) {
      reporter.report(node.id, 'User task has no form: set camunda:formKey');
    }
  }
  return { check };
}
