// How every reliability test prints its figures: one line, `# reliability <test>: key=value ...`, easy to
// find in CI output and to compare between runs.
export function report(test: string, figures: Record<string, string | number | boolean>): void {
  console.log(`# reliability ${test}: ${Object.entries(figures).map(([k, v]) => `${k}=${v}`).join(' ')}`);
}
