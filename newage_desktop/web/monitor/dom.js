// Building DOM from data. Server data only ever becomes text (textContent), never markup.

export function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') node.textContent = String(value);
    else if (name === 'className') node.className = value;
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (value === true) node.setAttribute(name, '');
    else node.setAttribute(name, String(value));
  }
  for (const child of [].concat(children)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function replaceChildren(parent, children) {
  parent.replaceChildren(...children.filter(Boolean));
}

/** Fill a <select> with [value, label] pairs, keeping the selection when it still exists. */
export function fillSelect(select, options, selected = select.value) {
  const same =
    select.options.length === options.length &&
    options.every(([value, label], i) => select.options[i].value === value && select.options[i].text === label);
  // Left alone when unchanged: rebuilding would close a list the user has open.
  if (same) {
    if (selected !== select.value && options.some(([value]) => value === selected)) select.value = selected;
    return;
  }
  replaceChildren(
    select,
    options.map(([value, label]) => el('option', { value, text: label })),
  );
  if (options.some(([value]) => value === selected)) select.value = selected;
}
