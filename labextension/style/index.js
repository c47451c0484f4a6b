import './panel.css';
import './statusbar.css';
import './notebook.css';
