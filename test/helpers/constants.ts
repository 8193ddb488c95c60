// Secrets shared by in-process test servers and Herald child processes (light: no Herald imports).
export const API_KEY = 'test-api-key-0123456789abcdef';
/** The JWT secret of in-process test servers (tests that forge or expire tokens sign with it). */
export const JWT_SECRET = 'test-secret-0123456789abcdef';
