// neo-blessed has no types of its own; it keeps blessed's API, so blessed's types fit.
declare module 'neo-blessed' {
  import blessed = require('blessed');
  export = blessed;
}
