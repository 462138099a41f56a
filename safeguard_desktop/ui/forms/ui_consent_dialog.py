# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'consent_dialog.ui'
##
## Created by: Qt User Interface Compiler version 6.11.3
##
## WARNING! All changes made in this file will be lost when recompiling UI file!
################################################################################

from PySide6.QtCore import (QCoreApplication, QDate, QDateTime, QLocale,
    QMetaObject, QObject, QPoint, QRect,
    QSize, QTime, QUrl, Qt)
from PySide6.QtGui import (QBrush, QColor, QConicalGradient, QCursor,
    QFont, QFontDatabase, QGradient, QIcon,
    QImage, QKeySequence, QLinearGradient, QPainter,
    QPalette, QPixmap, QRadialGradient, QTransform)
from PySide6.QtWidgets import (QAbstractButton, QApplication, QCheckBox, QComboBox,
    QDialog, QDialogButtonBox, QFormLayout, QGroupBox,
    QHBoxLayout, QLabel, QLineEdit, QListWidget,
    QListWidgetItem, QPlainTextEdit, QRadioButton, QSizePolicy,
    QVBoxLayout, QWidget)

from safeguard_desktop.ui.kit.date_field import DateField

class Ui_ConsentDialog(object):
    def setupUi(self, ConsentDialog):
        if not ConsentDialog.objectName():
            ConsentDialog.setObjectName(u"ConsentDialog")
        ConsentDialog.resize(560, 560)
        self.main_layout = QVBoxLayout(ConsentDialog)
        self.main_layout.setObjectName(u"main_layout")
        self.pupils_label = QLabel(ConsentDialog)
        self.pupils_label.setObjectName(u"pupils_label")
        self.pupils_label.setWordWrap(True)

        self.main_layout.addWidget(self.pupils_label)

        self.purposes_group = QGroupBox(ConsentDialog)
        self.purposes_group.setObjectName(u"purposes_group")
        self.purposes_layout = QVBoxLayout(self.purposes_group)
        self.purposes_layout.setObjectName(u"purposes_layout")
        self.purposes_list = QListWidget(self.purposes_group)
        self.purposes_list.setObjectName(u"purposes_list")
        self.purposes_list.setMinimumSize(QSize(0, 120))

        self.purposes_layout.addWidget(self.purposes_list)


        self.main_layout.addWidget(self.purposes_group)

        self.form_layout = QFormLayout()
        self.form_layout.setObjectName(u"form_layout")
        self.state_label = QLabel(ConsentDialog)
        self.state_label.setObjectName(u"state_label")

        self.form_layout.setWidget(0, QFormLayout.ItemRole.LabelRole, self.state_label)

        self.state_combo = QComboBox(ConsentDialog)
        self.state_combo.setObjectName(u"state_combo")

        self.form_layout.setWidget(0, QFormLayout.ItemRole.FieldRole, self.state_combo)

        self.kind_label = QLabel(ConsentDialog)
        self.kind_label.setObjectName(u"kind_label")

        self.form_layout.setWidget(1, QFormLayout.ItemRole.LabelRole, self.kind_label)

        self.kind_layout = QHBoxLayout()
        self.kind_layout.setObjectName(u"kind_layout")
        self.parent_radio = QRadioButton(ConsentDialog)
        self.parent_radio.setObjectName(u"parent_radio")
        self.parent_radio.setChecked(True)

        self.kind_layout.addWidget(self.parent_radio)

        self.pupil_radio = QRadioButton(ConsentDialog)
        self.pupil_radio.setObjectName(u"pupil_radio")

        self.kind_layout.addWidget(self.pupil_radio)


        self.form_layout.setLayout(1, QFormLayout.ItemRole.FieldRole, self.kind_layout)

        self.name_label = QLabel(ConsentDialog)
        self.name_label.setObjectName(u"name_label")

        self.form_layout.setWidget(2, QFormLayout.ItemRole.LabelRole, self.name_label)

        self.name_edit = QLineEdit(ConsentDialog)
        self.name_edit.setObjectName(u"name_edit")
        self.name_edit.setMaxLength(200)

        self.form_layout.setWidget(2, QFormLayout.ItemRole.FieldRole, self.name_edit)

        self.relationship_label = QLabel(ConsentDialog)
        self.relationship_label.setObjectName(u"relationship_label")

        self.form_layout.setWidget(3, QFormLayout.ItemRole.LabelRole, self.relationship_label)

        self.relationship_combo = QComboBox(ConsentDialog)
        self.relationship_combo.setObjectName(u"relationship_combo")
        self.relationship_combo.setEditable(True)

        self.form_layout.setWidget(3, QFormLayout.ItemRole.FieldRole, self.relationship_combo)

        self.route_label = QLabel(ConsentDialog)
        self.route_label.setObjectName(u"route_label")

        self.form_layout.setWidget(4, QFormLayout.ItemRole.LabelRole, self.route_label)

        self.route_combo = QComboBox(ConsentDialog)
        self.route_combo.setObjectName(u"route_combo")

        self.form_layout.setWidget(4, QFormLayout.ItemRole.FieldRole, self.route_combo)

        self.given_label = QLabel(ConsentDialog)
        self.given_label.setObjectName(u"given_label")

        self.form_layout.setWidget(5, QFormLayout.ItemRole.LabelRole, self.given_label)

        self.given_date = DateField(ConsentDialog)
        self.given_date.setObjectName(u"given_date")

        self.form_layout.setWidget(5, QFormLayout.ItemRole.FieldRole, self.given_date)

        self.valid_check = QCheckBox(ConsentDialog)
        self.valid_check.setObjectName(u"valid_check")
        self.valid_check.setChecked(True)

        self.form_layout.setWidget(6, QFormLayout.ItemRole.LabelRole, self.valid_check)

        self.valid_date = DateField(ConsentDialog)
        self.valid_date.setObjectName(u"valid_date")

        self.form_layout.setWidget(6, QFormLayout.ItemRole.FieldRole, self.valid_date)

        self.note_label = QLabel(ConsentDialog)
        self.note_label.setObjectName(u"note_label")

        self.form_layout.setWidget(7, QFormLayout.ItemRole.LabelRole, self.note_label)

        self.note_edit = QPlainTextEdit(ConsentDialog)
        self.note_edit.setObjectName(u"note_edit")
        self.note_edit.setMaximumSize(QSize(16777215, 70))
        self.note_edit.setTabChangesFocus(True)

        self.form_layout.setWidget(7, QFormLayout.ItemRole.FieldRole, self.note_edit)


        self.main_layout.addLayout(self.form_layout)

        self.error_label = QLabel(ConsentDialog)
        self.error_label.setObjectName(u"error_label")
        self.error_label.setTextFormat(Qt.PlainText)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(u"color: #a4161a; font-weight: bold;")

        self.main_layout.addWidget(self.error_label)

        self.button_box = QDialogButtonBox(ConsentDialog)
        self.button_box.setObjectName(u"button_box")
        self.button_box.setStandardButtons(QDialogButtonBox.Cancel|QDialogButtonBox.Save)

        self.main_layout.addWidget(self.button_box)

#if QT_CONFIG(shortcut)
        self.state_label.setBuddy(self.state_combo)
        self.name_label.setBuddy(self.name_edit)
        self.relationship_label.setBuddy(self.relationship_combo)
        self.route_label.setBuddy(self.route_combo)
        self.given_label.setBuddy(self.given_date)
        self.note_label.setBuddy(self.note_edit)
#endif // QT_CONFIG(shortcut)
        QWidget.setTabOrder(self.purposes_list, self.state_combo)
        QWidget.setTabOrder(self.state_combo, self.parent_radio)
        QWidget.setTabOrder(self.parent_radio, self.pupil_radio)
        QWidget.setTabOrder(self.pupil_radio, self.name_edit)
        QWidget.setTabOrder(self.name_edit, self.relationship_combo)
        QWidget.setTabOrder(self.relationship_combo, self.route_combo)
        QWidget.setTabOrder(self.route_combo, self.given_date)
        QWidget.setTabOrder(self.given_date, self.valid_check)
        QWidget.setTabOrder(self.valid_check, self.valid_date)
        QWidget.setTabOrder(self.valid_date, self.note_edit)

        self.retranslateUi(ConsentDialog)

        QMetaObject.connectSlotsByName(ConsentDialog)
    # setupUi

    def retranslateUi(self, ConsentDialog):
        ConsentDialog.setWindowTitle(QCoreApplication.translate("ConsentDialog", u"Record consent decision", None))
        self.pupils_label.setText(QCoreApplication.translate("ConsentDialog", u"Pupils", None))
#if QT_CONFIG(accessibility)
        self.pupils_label.setAccessibleName(QCoreApplication.translate("ConsentDialog", u"Pupils this decision is for", None))
#endif // QT_CONFIG(accessibility)
        self.purposes_group.setTitle(QCoreApplication.translate("ConsentDialog", u"Purposes (one decision per purpose, never bundled)", None))
#if QT_CONFIG(accessibility)
        self.purposes_list.setAccessibleName(QCoreApplication.translate("ConsentDialog", u"Consent purposes", None))
#endif // QT_CONFIG(accessibility)
        self.state_label.setText(QCoreApplication.translate("ConsentDialog", u"&Decision", None))
#if QT_CONFIG(accessibility)
        self.state_combo.setAccessibleName(QCoreApplication.translate("ConsentDialog", u"Decision", None))
#endif // QT_CONFIG(accessibility)
        self.kind_label.setText(QCoreApplication.translate("ConsentDialog", u"Given by", None))
        self.parent_radio.setText(QCoreApplication.translate("ConsentDialog", u"&Parent or carer", None))
        self.pupil_radio.setText(QCoreApplication.translate("ConsentDialog", u"The p&upil (old enough to consent)", None))
        self.name_label.setText(QCoreApplication.translate("ConsentDialog", u"&Name", None))
#if QT_CONFIG(accessibility)
        self.name_edit.setAccessibleName(QCoreApplication.translate("ConsentDialog", u"Name of the parent or carer", None))
#endif // QT_CONFIG(accessibility)
        self.name_edit.setPlaceholderText(QCoreApplication.translate("ConsentDialog", u"e.g. Sarah O'Brien", None))
        self.relationship_label.setText(QCoreApplication.translate("ConsentDialog", u"&Relationship", None))
#if QT_CONFIG(accessibility)
        self.relationship_combo.setAccessibleName(QCoreApplication.translate("ConsentDialog", u"Relationship to the pupil", None))
#endif // QT_CONFIG(accessibility)
        self.route_label.setText(QCoreApplication.translate("ConsentDialog", u"R&oute", None))
#if QT_CONFIG(accessibility)
        self.route_combo.setAccessibleName(QCoreApplication.translate("ConsentDialog", u"How the decision reached the school", None))
#endif // QT_CONFIG(accessibility)
        self.given_label.setText(QCoreApplication.translate("ConsentDialog", u"Date &given", None))
#if QT_CONFIG(accessibility)
        self.given_date.setAccessibleName(QCoreApplication.translate("ConsentDialog", u"Date the decision was given", None))
#endif // QT_CONFIG(accessibility)
        self.valid_check.setText(QCoreApplication.translate("ConsentDialog", u"&Valid until", None))
#if QT_CONFIG(accessibility)
        self.valid_date.setAccessibleName(QCoreApplication.translate("ConsentDialog", u"Date the decision lapses", None))
#endif // QT_CONFIG(accessibility)
        self.note_label.setText(QCoreApplication.translate("ConsentDialog", u"No&te", None))
#if QT_CONFIG(accessibility)
        self.note_edit.setAccessibleName(QCoreApplication.translate("ConsentDialog", u"Note", None))
#endif // QT_CONFIG(accessibility)
        self.error_label.setText("")
#if QT_CONFIG(accessibility)
        self.error_label.setAccessibleName(QCoreApplication.translate("ConsentDialog", u"Problem with the form", None))
#endif // QT_CONFIG(accessibility)
    # retranslateUi

