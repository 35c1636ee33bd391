/* global window, document, NodeFilter, MutationObserver */
/* The 简/繁 switch of every page: converting the page's text (opencc-js's browser build, static/cn2t.js, loaded
   only when traditional is chosen), remembered in localStorage, with <html lang> following (zh-Hans/zh-Hant).
   The original text nodes are kept, so switching back restores them exactly. Loaded without defer from
   <head>: it sets lang before the body is painted. No inline script: the CSP allows only the site's files. */
(function () {
  'use strict';
  var KEY = 'newsvault.script';
  var script = document.currentScript;
  var root = (script && script.getAttribute('data-root')) || '';
  var html = document.documentElement;
  var originals = new Map(); /* text node → its original text */
  var originalTitle = null;
  var converter = null;
  var observer = null;

  function stored() {
    try { return window.localStorage.getItem(KEY); } catch (e) { return null; }
  }
  function store(value) {
    try { window.localStorage.setItem(KEY, value); } catch (e) { /* private mode: not remembered */ }
  }
  var wanted = stored() === 'hant' ? 'hant' : 'hans';
  html.setAttribute('lang', wanted === 'hant' ? 'zh-Hant' : 'zh-Hans');

  function skip(node) {
    var p = node.parentNode;
    return !p || p.nodeName === 'SCRIPT' || p.nodeName === 'STYLE' || p.nodeName === 'TEXTAREA';
  }
  function convertTree(rootNode) {
    if (!converter) return;
    if (rootNode.nodeType === 3) {
      convertText(rootNode);
      return;
    }
    var walker = document.createTreeWalker(rootNode, NodeFilter.SHOW_TEXT);
    var node;
    while ((node = walker.nextNode())) convertText(node);
  }
  function convertText(node) {
    if (skip(node) || !/[\u3400-\u9fff]/.test(node.nodeValue)) return;
    var before = originals.has(node) ? originals.get(node) : node.nodeValue;
    var after = converter(before);
    if (after !== before) {
      originals.set(node, before);
      node.nodeValue = after;
    }
  }
  function observe() {
    if (observer || !window.MutationObserver) return;
    observer = new MutationObserver(function (records) {
      for (var i = 0; i < records.length; i++) {
        var added = records[i].addedNodes;
        for (var j = 0; j < added.length; j++) convertTree(added[j]);
      }
    });
    observer.observe(document.body, { childList: true, subtree: true });
  }
  function toTraditional(done) {
    function go() {
      converter = window.OpenCC.Converter({ from: 'cn', to: 'tw' });
      if (originalTitle === null) originalTitle = document.title;
      document.title = converter(originalTitle);
      convertTree(document.body);
      observe();
      if (done) done();
    }
    if (window.OpenCC) return go();
    var s = document.createElement('script');
    s.src = root + 'static/cn2t.js';
    s.onload = go;
    s.onerror = function () { setState('hans'); };
    document.head.appendChild(s);
  }
  function toSimplified() {
    if (observer) { observer.disconnect(); observer = null; }
    converter = null;
    originals.forEach(function (text, node) { node.nodeValue = text; });
    originals.clear();
    if (originalTitle !== null) document.title = originalTitle;
  }
  function setState(state) {
    wanted = state;
    store(state);
    html.setAttribute('lang', state === 'hant' ? 'zh-Hant' : 'zh-Hans');
    var button = document.getElementById('lang-switch');
    if (button) {
      button.setAttribute('aria-pressed', state === 'hant' ? 'true' : 'false');
      button.textContent = state === 'hant' ? '简体' : '繁體';
      button.setAttribute('data-state', state);
    }
  }
  function start() {
    var button = document.getElementById('lang-switch');
    setState(wanted);
    if (wanted === 'hant') toTraditional();
    if (button) {
      button.addEventListener('click', function () {
        if (wanted === 'hant') {
          setState('hans');
          toSimplified();
        } else {
          setState('hant');
          toTraditional();
        }
      });
    }
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
