// Entry: the list named by `?list=` (default "todos"), rendered with React 19 in StrictMode.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import './styles.css';

const list = new URLSearchParams(location.search).get('list') || 'todos';
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App list={list} />
  </StrictMode>,
);
