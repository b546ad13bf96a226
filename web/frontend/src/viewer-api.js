// HfBpmn.viewer(container, xml, options) → Promise<{viewer, canvas, fit(), decorate(options), destroy()}>
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import camundaModdle from 'camunda-bpmn-moddle/resources/camunda.json';

import { decorate, zoomToFit } from './decorate.js';
import { resolveContainer } from './global.js';

export async function viewer(container, xml, options = {}) {
  const element = resolveContainer(container);
  element.classList.add('hf-bpmn');
  const instance = new NavigatedViewer({
    container: element,
    moddleExtensions: { camunda: camundaModdle }
  });
  try {
    await instance.importXML(xml);
  } catch (err) {
    instance.destroy();
    throw err;
  }
  zoomToFit(instance);
  let undecorate = decorate(instance, options);
  return {
    viewer: instance,
    canvas: instance.get('canvas'),
    fit() {
      zoomToFit(instance);
    },
    decorate(next = {}) {
      undecorate();
      undecorate = decorate(instance, next);
    },
    destroy() {
      undecorate();
      instance.destroy();
    }
  };
}
