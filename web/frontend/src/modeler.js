// Entry of web/static/vendor/bpmn-modeler.js (also carries the viewer, so one script serves a page).
import { exposeGlobal } from './global.js';
import { modeler } from './modeler-api.js';
import { viewer } from './viewer-api.js';

exposeGlobal({ modeler, viewer });
