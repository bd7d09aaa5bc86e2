/**
 * The value of one sample of a Prometheus text scrape: `name` alone, or `name{labels}` exactly as
 * prom-client writes them (label order of the declaration). A sample that is absent reads as 0, as a
 * counter that never moved.
 */
export function sampleValue(text: string, sample: string): number {
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const cut = line.lastIndexOf(" ");
    if (cut > 0 && line.slice(0, cut) === sample) return Number(line.slice(cut + 1));
  }
  return 0;
}
