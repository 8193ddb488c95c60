// Secrets shared by in-process test servers and Herald child processes (light: no Herald imports).
export const API_KEY = 'test-api-key-0123456789abcdef';
