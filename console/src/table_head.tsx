/** The caption (for screen readers) and column headers of a table. */

/** A column's title, or one only screen readers hear (over a column of checkboxes or buttons). */
export type Column = string | { offscreen: string };

export function TableHead({ caption, columns }: { caption: string; columns: Column[] }) {
  return (
    <>
      <caption class="offscreen">{caption}</caption>
      <thead>
        <tr>
          {columns.map((c) =>
            typeof c === "string"
              ? <th scope="col" key={c}>{c}</th>
              : (
                <th scope="col" key={c.offscreen}>
                  <span class="offscreen">{c.offscreen}</span>
                </th>
              )
          )}
        </tr>
      </thead>
    </>
  );
}
