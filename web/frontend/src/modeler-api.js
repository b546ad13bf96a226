// HfBpmn.modeler(container, {xml, propertiesPanel, lint, translations}) → Promise of a handle:
// {modeler, saveXML(), importXML(xml), lintIssues(), showErrors(list), clearErrors(),
//  toggleSimulation(active?), fit(), decorate(options), on(event, fn), destroy()}
import Modeler from 'bpmn-js/lib/Modeler';
import lintModule from 'bpmn-js-bpmnlint';
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  CamundaPlatformPropertiesProviderModule
} from 'bpmn-js-properties-panel';
import TokenSimulationModule from 'bpmn-js-token-simulation';
import { Linter } from 'bpmnlint';
import CamundaBehaviorsModule from 'camunda-bpmn-js-behaviors/lib/camunda-platform';
import camundaModdle from 'camunda-bpmn-moddle/resources/camunda.json';

import { decorate, escapeHtml, zoomToFit } from './decorate.js';
import { resolveContainer } from './global.js';
import { bpmnlintConfig } from './lint/config.js';

function translateModule(translations) {
  const translate = (template, replacements) => {
    const text = Object.prototype.hasOwnProperty.call(translations, template) ? translations[template] : template;
    return text.replace(/{([^}]+)}/g, (match, key) =>
      (replacements && key in replacements ? replacements[key] : match));
  };
  return { translate: ['value', translate] };
}

function errorMarkers(instance) {
  const canvas = instance.get('canvas');
  const overlays = instance.get('overlays');
  const elementRegistry = instance.get('elementRegistry');
  let marked = [];

  function clear() {
    for (const id of marked) {
      if (elementRegistry.get(id)) {
        canvas.removeMarker(id, 'hf-error');
      }
    }
    overlays.remove({ type: 'hf-error' });
    marked = [];
  }

  function show(errors) {
    clear();
    const byElement = new Map();
    for (const error of Array.isArray(errors) ? errors : []) {
      const id = error && (error.element || error.id);
      if (id && elementRegistry.get(id)) {
        byElement.set(id, [...(byElement.get(id) || []), String(error.message || '')]);
      }
    }
    for (const [id, messages] of byElement) {
      canvas.addMarker(id, 'hf-error');
      const html = document.createElement('div');
      html.className = 'hf-error-note';
      html.innerHTML = messages.map(escapeHtml).join('<br>');
      overlays.add(id, 'hf-error', { position: { bottom: -6, left: 0 }, html });
      marked.push(id);
    }
    return marked.length;
  }

  return { show, clear };
}

export async function modeler(container, options = {}) {
  const element = resolveContainer(container);
  element.classList.add('hf-bpmn');
  const lintEnabled = options.lint !== false;
  const lintSetup = bpmnlintConfig();
  const additionalModules = [
    BpmnPropertiesPanelModule,
    BpmnPropertiesProviderModule,
    CamundaPlatformPropertiesProviderModule,
    CamundaBehaviorsModule,
    TokenSimulationModule
  ];
  if (lintEnabled) {
    additionalModules.push(lintModule);
  }
  if (options.translations && typeof options.translations === 'object') {
    additionalModules.push(translateModule(options.translations));
  }
  const panel = options.propertiesPanel ? resolveContainer(options.propertiesPanel) : null;
  const instance = new Modeler({
    container: element,
    moddleExtensions: { camunda: camundaModdle },
    additionalModules,
    ...(panel ? { propertiesPanel: { parent: panel } } : {}),
    ...(lintEnabled ? { linting: { active: true, bpmnlint: lintSetup } } : {})
  });

  const linter = new Linter(lintSetup);
  const ruleDefinitions = await linter.resolveRules(lintSetup.config);
  const errors = errorMarkers(instance);
  let undecorate = () => {};

  async function importXML(xml) {
    errors.clear();
    undecorate();
    undecorate = () => {};
    const result = xml ? await instance.importXML(xml) : await instance.createDiagram();
    zoomToFit(instance);
    return result.warnings || [];
  }

  try {
    await importXML(options.xml);
  } catch (err) {
    instance.destroy();
    throw err;
  }

  return {
    modeler: instance,
    canvas: instance.get('canvas'),
    importXML,
    async saveXML() {
      const { xml } = await instance.saveXML({ format: true });
      return xml;
    },
    lintIssues() {
      const definitions = instance.getDefinitions();
      if (!definitions) {
        return [];
      }
      // Rules may keep state while they walk a model (no-duplicate-sequence-flows remembers
      // every flow it saw), so each run gets fresh rule instances: reusing the resolved ones
      // would report every flow as a duplicate from the second run on.
      const fresh = new Linter(lintSetup);
      const issues = [];
      for (const definition of ruleDefinitions) {
        const { pkg, ruleName } = fresh.parseRuleName(definition.name);
        const factory = lintSetup.resolver.resolveRule(pkg, ruleName);
        const rule = fresh.transformRule(factory(definition.config), { pkg, ruleName });
        for (const report of fresh.applyRule(definitions, { ...definition, rule })) {
          issues.push({
            id: report.id,
            message: report.message,
            category: report.category,
            rule: definition.name
          });
        }
      }
      return issues;
    },
    showErrors: errors.show,
    clearErrors: errors.clear,
    toggleSimulation(active) {
      const toggleMode = instance.get('toggleMode');
      toggleMode.toggleMode(typeof active === 'boolean' ? active : undefined);
      return !!toggleMode._active;
    },
    fit() {
      zoomToFit(instance);
    },
    decorate(next = {}) {
      undecorate();
      undecorate = decorate(instance, next);
    },
    on(event, fn) {
      instance.on(event, fn);
      return () => instance.off(event, fn);
    },
    destroy() {
      undecorate();
      instance.destroy();
    }
  };
}
