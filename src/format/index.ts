// Command formatting: argument vectors and printf-style formats to RESP requests.
export * from './argv.js';
export * from './printf.js';
