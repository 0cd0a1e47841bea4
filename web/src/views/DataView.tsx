import { useId, useState } from "react";
import { formatValue, type DataItemJson } from "./result.ts";

const statusText: Record<string, string> = {
  info: "Info",
  success: "OK",
  warning: "Warning",
  error: "Error",
};

function countItems(items: DataItemJson[]): number {
  return items.reduce((n, item) => n + 1 + (item.subgroup ? countItems(item.subgroup) : 0), 0);
}

/** A DataResult as a tree: groups open and close with a button, values carry their units and status. */
export function DataView({ items, title }: { items: DataItemJson[]; title: string }) {
  // Small trees start fully open; large ones show the first level only.
  const openDepth = countItems(items) <= 60 ? 3 : 1;
  const [generation, setGeneration] = useState(0);
  const [forced, setForced] = useState<boolean | null>(null);
  const depthOpen = forced === null ? openDepth : forced ? 99 : 0;
  if (items.length === 0) return <p className="empty">This view returned no data.</p>;
  const hasGroups = items.some((i) => i.subgroup && i.subgroup.length > 0);
  // A new key remounts the tree, so every group takes the forced state afresh.
  const openAll = (open: boolean) => {
    setForced(open);
    setGeneration((g) => g + 1);
  };
  return (
    <div className="data-view">
      {hasGroups ? (
        <div className="toolbar">
          <button type="button" className="secondary small" onClick={() => openAll(true)}>
            Expand all
          </button>
          <button type="button" className="secondary small" onClick={() => openAll(false)}>
            Collapse all
          </button>
        </div>
      ) : null}
      <ul className="data-tree" aria-label={title} key={generation}>
        {items.map((item, index) => (
          <DataNode key={index} item={item} depth={0} open={depthOpen > 0} openDepth={depthOpen} />
        ))}
      </ul>
    </div>
  );
}

function DataNode({
  item,
  depth,
  open,
  openDepth,
}: {
  item: DataItemJson;
  depth: number;
  open: boolean;
  openDepth: number;
}) {
  const [expanded, setExpanded] = useState(open);
  const groupId = useId();
  const explanationId = useId();
  const isGroup = item.subgroup !== undefined && item.subgroup.length > 0;
  const hasValue = item.value !== undefined && item.value !== null && item.value !== "";
  const value = !hasValue
    ? ""
    : (item.display ??
      [item.prefix, formatValue(item.value, item.numberOfDecimals), item.suffix].filter(Boolean).join(" "));
  const status = item.status;
  return (
    <li className={`data-item${status ? ` status-${status}` : ""}`}>
      <div className="data-row">
        {isGroup ? (
          <button
            type="button"
            className="tree-toggle"
            aria-expanded={expanded}
            aria-controls={groupId}
            aria-describedby={item.explanationLabel ? explanationId : undefined}
            onClick={() => setExpanded(!expanded)}
          >
            <span className="chevron" aria-hidden="true">
              {expanded ? "▾" : "▸"}
            </span>
            <span className="data-label">{item.label}</span>
          </button>
        ) : (
          <span
            className="data-label leaf"
            aria-describedby={item.explanationLabel ? explanationId : undefined}
          >
            {item.label}
          </span>
        )}
        {hasValue ? <span className="data-value">{value}</span> : null}
        {status ? (
          <span className={`status ${status}`} title={item.statusMessage}>
            {statusText[status]}
            {item.statusMessage ? <span className="visually-hidden">: {item.statusMessage}</span> : null}
          </span>
        ) : null}
      </div>
      {item.explanationLabel ? (
        <div id={explanationId} className="help explanation">
          {item.explanationLabel}
        </div>
      ) : null}
      {status && item.statusMessage ? (
        <div className={`status-message ${status}`} aria-hidden="true">
          {item.statusMessage}
        </div>
      ) : null}
      {isGroup ? (
        <ul id={groupId} className="data-tree" hidden={!expanded}>
          {item.subgroup!.map((child, index) => (
            <DataNode
              key={index}
              item={child}
              depth={depth + 1}
              open={depth + 1 < openDepth}
              openDepth={openDepth}
            />
          ))}
        </ul>
      ) : null}
    </li>
  );
}
