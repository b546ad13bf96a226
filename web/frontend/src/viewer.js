// Entry of web/static/vendor/bpmn-viewer.js
import { exposeGlobal } from './global.js';
import { viewer } from './viewer-api.js';

exposeGlobal({ viewer });
